package dev.weir.log.api;

import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.storage.BatchRecordScanner;
import dev.weir.log.txn.ProducerIdAllocator;
import dev.weir.log.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;

/** The broker's {@link KafkaApis}: routes each API to the handler for its area. */
public final class BrokerApis implements KafkaApis {
    private final MetadataHandler metadataHandler;
    private final TopicAdminHandler topicAdmin;
    private final ReplicaAdminHandler replicaAdmin;
    private final ProduceHandler produceHandler;
    private final FetchHandler fetchHandler;
    private final OffsetsHandler offsetsHandler;
    private final EpochsHandler epochsHandler;
    private final ConfigsHandler configsHandler;
    private final ProducerIdAllocator producerIds;
    private final GroupHandler groupHandler;
    private final GroupOffsetsHandler groupOffsets;
    private final TransactionHandler transactions;
    private final TxnMarkersHandler txnMarkers;

    public BrokerApis(MetadataStore metadata, ReplicaManager replicas, BrokerConfig broker, BatchRecordScanner scanner,
                      ProducerIdAllocator producerIds, GroupCoordinator groups, TransactionCoordinator txns) {
        TopicCreation topicCreation = new TopicCreation(metadata, broker);
        PartitionLookup lookup = new PartitionLookup(metadata, replicas);
        this.metadataHandler = new MetadataHandler(metadata, broker, topicCreation, groups, txns);
        this.topicAdmin = new TopicAdminHandler(metadata, broker, topicCreation);
        this.replicaAdmin = new ReplicaAdminHandler(metadata);
        this.produceHandler = new ProduceHandler(lookup);
        this.fetchHandler = new FetchHandler(metadata, lookup, replicas.fetchPurgatory());
        this.offsetsHandler = new OffsetsHandler(lookup, scanner);
        this.epochsHandler = new EpochsHandler(lookup);
        this.configsHandler = new ConfigsHandler(metadata, broker);
        this.producerIds = producerIds;
        this.groupHandler = new GroupHandler(groups, txns);
        this.groupOffsets = new GroupOffsetsHandler(groups, metadata);
        this.transactions = new TransactionHandler(txns, groups, metadata);
        this.txnMarkers = new TxnMarkersHandler(lookup);
    }

    private static <T> CompletableFuture<T> now(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Override
    public CompletableFuture<MetadataResponseData> metadata(RequestContext ctx, MetadataRequestData request) {
        return now(metadataHandler.metadata(ctx, request));
    }

    @Override
    public CompletableFuture<ProduceResponseData> produce(RequestContext ctx, ProduceRequestData request) {
        return produceHandler.produce(request);
    }

    @Override
    public CompletableFuture<FetchResponseData> fetch(RequestContext ctx, FetchRequestData request) {
        return fetchHandler.fetch(ctx, request);
    }

    @Override
    public CompletableFuture<ListOffsetsResponseData> listOffsets(RequestContext ctx, ListOffsetsRequestData request) {
        return now(offsetsHandler.listOffsets(ctx, request));
    }

    @Override
    public CompletableFuture<OffsetForLeaderEpochResponseData> offsetForLeaderEpoch(
            RequestContext ctx, OffsetForLeaderEpochRequestData request) {
        return now(epochsHandler.offsetForLeaderEpoch(request));
    }

    @Override
    public CompletableFuture<CreateTopicsResponseData> createTopics(RequestContext ctx, CreateTopicsRequestData request) {
        return now(topicAdmin.createTopics(request));
    }

    @Override
    public CompletableFuture<DeleteTopicsResponseData> deleteTopics(RequestContext ctx, DeleteTopicsRequestData request) {
        return now(topicAdmin.deleteTopics(request));
    }

    @Override
    public CompletableFuture<CreatePartitionsResponseData> createPartitions(RequestContext ctx,
                                                                            CreatePartitionsRequestData request) {
        return now(topicAdmin.createPartitions(request));
    }

    @Override
    public CompletableFuture<DeleteRecordsResponseData> deleteRecords(RequestContext ctx, DeleteRecordsRequestData request) {
        return now(offsetsHandler.deleteRecords(request));
    }

    @Override
    public CompletableFuture<DescribeConfigsResponseData> describeConfigs(RequestContext ctx,
                                                                          DescribeConfigsRequestData request) {
        return now(configsHandler.describe(ctx, request));
    }

    @Override
    public CompletableFuture<AlterConfigsResponseData> alterConfigs(RequestContext ctx, AlterConfigsRequestData request) {
        return now(configsHandler.alter(request));
    }

    @Override
    public CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            RequestContext ctx, IncrementalAlterConfigsRequestData request) {
        return now(configsHandler.incrementalAlter(request));
    }

    @Override
    public CompletableFuture<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            RequestContext ctx, AlterPartitionReassignmentsRequestData request) {
        return now(replicaAdmin.alterReassignments(request, ctx.apiVersion()));
    }

    @Override
    public CompletableFuture<ListPartitionReassignmentsResponseData> listPartitionReassignments(
            RequestContext ctx, ListPartitionReassignmentsRequestData request) {
        return now(replicaAdmin.listReassignments(request));
    }

    @Override
    public CompletableFuture<ElectLeadersResponseData> electLeaders(RequestContext ctx, ElectLeadersRequestData request) {
        return now(replicaAdmin.electLeaders(request, ctx.apiVersion()));
    }

    @Override
    public CompletableFuture<DescribeClusterResponseData> describeCluster(RequestContext ctx,
                                                                          DescribeClusterRequestData request) {
        return now(metadataHandler.describeCluster(request));
    }

    @Override
    public CompletableFuture<InitProducerIdResponseData> initProducerId(RequestContext ctx,
                                                                        InitProducerIdRequestData request) {
        InitProducerIdResponseData response = new InitProducerIdResponseData();
        if (request.transactionalId() != null) {
            return transactions.initProducerId(ctx, request);
        }
        // An idempotent producer without a transactional id always starts afresh with a new id.
        return now(response.setProducerId(producerIds.nextProducerId()).setProducerEpoch((short) 0));
    }

    @Override
    public CompletableFuture<FindCoordinatorResponseData> findCoordinator(RequestContext ctx,
                                                                          FindCoordinatorRequestData request) {
        return now(groupHandler.findCoordinator(ctx, request));
    }

    @Override
    public CompletableFuture<JoinGroupResponseData> joinGroup(RequestContext ctx, JoinGroupRequestData request) {
        return groupHandler.joinGroup(ctx, request);
    }

    @Override
    public CompletableFuture<SyncGroupResponseData> syncGroup(RequestContext ctx, SyncGroupRequestData request) {
        return groupHandler.syncGroup(ctx, request);
    }

    @Override
    public CompletableFuture<HeartbeatResponseData> heartbeat(RequestContext ctx, HeartbeatRequestData request) {
        return now(groupHandler.heartbeat(ctx, request));
    }

    @Override
    public CompletableFuture<LeaveGroupResponseData> leaveGroup(RequestContext ctx, LeaveGroupRequestData request) {
        return now(groupHandler.leaveGroup(ctx, request));
    }

    @Override
    public CompletableFuture<OffsetCommitResponseData> offsetCommit(RequestContext ctx, OffsetCommitRequestData request) {
        return groupOffsets.commit(ctx, request);
    }

    @Override
    public CompletableFuture<OffsetFetchResponseData> offsetFetch(RequestContext ctx, OffsetFetchRequestData request) {
        return now(groupOffsets.fetch(ctx, request));
    }

    @Override
    public CompletableFuture<OffsetDeleteResponseData> offsetDelete(RequestContext ctx, OffsetDeleteRequestData request) {
        return now(groupOffsets.delete(request));
    }

    @Override
    public CompletableFuture<ListGroupsResponseData> listGroups(RequestContext ctx, ListGroupsRequestData request) {
        return now(groupHandler.listGroups(ctx, request));
    }

    @Override
    public CompletableFuture<DescribeGroupsResponseData> describeGroups(RequestContext ctx,
                                                                        DescribeGroupsRequestData request) {
        return now(groupHandler.describeGroups(ctx, request));
    }

    @Override
    public CompletableFuture<DeleteGroupsResponseData> deleteGroups(RequestContext ctx, DeleteGroupsRequestData request) {
        return now(groupHandler.deleteGroups(request));
    }

    // --- transactions (coordinator side) ---

    @Override
    public CompletableFuture<AddPartitionsToTxnResponseData> addPartitionsToTxn(RequestContext ctx,
                                                                               AddPartitionsToTxnRequestData request) {
        return transactions.addPartitionsToTxn(ctx, request);
    }

    @Override
    public CompletableFuture<AddOffsetsToTxnResponseData> addOffsetsToTxn(RequestContext ctx,
                                                                         AddOffsetsToTxnRequestData request) {
        return transactions.addOffsetsToTxn(ctx, request);
    }

    @Override
    public CompletableFuture<EndTxnResponseData> endTxn(RequestContext ctx, EndTxnRequestData request) {
        return transactions.endTxn(ctx, request);
    }

    @Override
    public CompletableFuture<TxnOffsetCommitResponseData> txnOffsetCommit(RequestContext ctx,
                                                                         TxnOffsetCommitRequestData request) {
        return groupOffsets.txnCommit(ctx, request);
    }

    @Override
    public CompletableFuture<DescribeTransactionsResponseData> describeTransactions(
            RequestContext ctx, DescribeTransactionsRequestData request) {
        return now(transactions.describeTransactions(request));
    }

    @Override
    public CompletableFuture<ListTransactionsResponseData> listTransactions(RequestContext ctx,
                                                                           ListTransactionsRequestData request) {
        return now(transactions.listTransactions(ctx, request));
    }

    @Override
    public CompletableFuture<WriteTxnMarkersResponseData> writeTxnMarkers(RequestContext ctx,
                                                                          WriteTxnMarkersRequestData request) {
        return txnMarkers.writeTxnMarkers(request);
    }

    @Override
    public CompletableFuture<DescribeProducersResponseData> describeProducers(RequestContext ctx,
                                                                              DescribeProducersRequestData request) {
        return now(txnMarkers.describeProducers(request));
    }
}
