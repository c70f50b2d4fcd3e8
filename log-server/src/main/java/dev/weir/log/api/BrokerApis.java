package dev.weir.log.api;

import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.protocol.ApiHandlers;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.txn.ProducerIdAllocator;
import dev.weir.log.txn.TransactionCoordinator;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;

/**
 * The broker's Kafka APIs: builds the handler of each area and registers, one line per API (named by its generated
 * request class), the method that answers it. Adding an API: a handler method, its line here, and its pinned versions in
 * {@code protocol.ApiVersionTable} (the request processor refuses to start if the two disagree).
 * ApiVersions is answered by the protocol layer itself.
 */
public final class BrokerApis {
    private BrokerApis() {}

    public static ApiHandlers handlers(MetadataStore metadata, ReplicaManager replicas, BrokerConfig broker,
                                       ProducerIdAllocator producerIds, GroupCoordinator groups,
                                       TransactionCoordinator txns) {
        TopicCreation topicCreation = new TopicCreation(metadata, broker);
        PartitionLookup lookup = new PartitionLookup(metadata, replicas);
        MetadataHandler cluster = new MetadataHandler(metadata, broker, topicCreation, groups, txns);
        TopicAdminHandler topicAdmin = new TopicAdminHandler(metadata, broker, topicCreation);
        ReplicaAdminHandler replicaAdmin = new ReplicaAdminHandler(metadata);
        ProduceHandler produce = new ProduceHandler(lookup);
        FetchHandler fetch = new FetchHandler(metadata, lookup, replicas.fetchPurgatory());
        OffsetsHandler offsets = new OffsetsHandler(lookup);
        EpochsHandler epochs = new EpochsHandler(lookup);
        ConfigsHandler configs = new ConfigsHandler(metadata, broker);
        GroupHandler group = new GroupHandler(groups, txns);
        GroupOffsetsHandler groupOffsets = new GroupOffsetsHandler(groups, metadata);
        TransactionHandler transactions = new TransactionHandler(txns, groups, metadata, producerIds);
        TxnMarkersHandler txnMarkers = new TxnMarkersHandler(lookup);

        return ApiHandlers.builder()
                // Cluster and topics.
                .addSync(MetadataRequestData.class, cluster::metadata)
                .addSync(DescribeClusterRequestData.class,
                        (ctx, r) -> cluster.describeCluster(r))
                .addSync(CreateTopicsRequestData.class, (ctx, r) -> topicAdmin.createTopics(r))
                .addSync(DeleteTopicsRequestData.class, (ctx, r) -> topicAdmin.deleteTopics(r))
                .addSync(CreatePartitionsRequestData.class,
                        (ctx, r) -> topicAdmin.createPartitions(r))
                .addSync(DescribeConfigsRequestData.class, configs::describe)
                .addSync(AlterConfigsRequestData.class, (ctx, r) -> configs.alter(r))
                .addSync(IncrementalAlterConfigsRequestData.class,
                        (ctx, r) -> configs.incrementalAlter(r))
                .addSync(AlterPartitionReassignmentsRequestData.class,
                        (ctx, r) -> replicaAdmin.alterReassignments(r, ctx.apiVersion()))
                .addSync(ListPartitionReassignmentsRequestData.class,
                        (ctx, r) -> replicaAdmin.listReassignments(r))
                .addSync(ElectLeadersRequestData.class,
                        (ctx, r) -> replicaAdmin.electLeaders(r, ctx.apiVersion()))
                // Records.
                .add(ProduceRequestData.class, (ctx, r) -> produce.produce(r))
                .add(FetchRequestData.class, fetch::fetch)
                .addSync(ListOffsetsRequestData.class, offsets::listOffsets)
                .addSync(DeleteRecordsRequestData.class, (ctx, r) -> offsets.deleteRecords(r))
                .addSync(OffsetForLeaderEpochRequestData.class,
                        (ctx, r) -> epochs.offsetForLeaderEpoch(r))
                // Consumer groups.
                .addSync(FindCoordinatorRequestData.class, group::findCoordinator)
                .add(JoinGroupRequestData.class, group::joinGroup)
                .add(SyncGroupRequestData.class, group::syncGroup)
                .addSync(HeartbeatRequestData.class, group::heartbeat)
                .addSync(LeaveGroupRequestData.class, group::leaveGroup)
                .addSync(ListGroupsRequestData.class, group::listGroups)
                .addSync(DescribeGroupsRequestData.class, group::describeGroups)
                .addSync(DeleteGroupsRequestData.class, (ctx, r) -> group.deleteGroups(r))
                .add(OffsetCommitRequestData.class, groupOffsets::commit)
                .addSync(OffsetFetchRequestData.class, groupOffsets::fetch)
                .addSync(OffsetDeleteRequestData.class, (ctx, r) -> groupOffsets.delete(r))
                // Transactions, coordinator side.
                .add(InitProducerIdRequestData.class, transactions::initProducerId)
                .add(AddPartitionsToTxnRequestData.class,
                        transactions::addPartitionsToTxn)
                .add(AddOffsetsToTxnRequestData.class, transactions::addOffsetsToTxn)
                .add(EndTxnRequestData.class, transactions::endTxn)
                .add(TxnOffsetCommitRequestData.class, groupOffsets::txnCommit)
                .addSync(DescribeTransactionsRequestData.class,
                        (ctx, r) -> transactions.describeTransactions(r))
                .addSync(ListTransactionsRequestData.class, transactions::listTransactions)
                // Transactions, partition side.
                .add(WriteTxnMarkersRequestData.class,
                        (ctx, r) -> txnMarkers.writeTxnMarkers(r))
                .addSync(DescribeProducersRequestData.class,
                        (ctx, r) -> txnMarkers.describeProducers(r))
                .build();
    }
}
