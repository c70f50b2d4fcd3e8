package dev.weir.log.api;

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

/**
 * The broker's request handlers, one method per Kafka API, on kafka-clients' generated message
 * classes. Called on a request-handler thread, never on an event loop; a handler may block briefly
 * (disk appends) but waits of unbounded length (long-poll fetch, acks=all) complete the future later.
 * ApiVersions is answered by the protocol layer itself.
 */
public interface KafkaApis {
    CompletableFuture<MetadataResponseData> metadata(RequestContext ctx, MetadataRequestData request);

    CompletableFuture<ProduceResponseData> produce(RequestContext ctx, ProduceRequestData request);

    CompletableFuture<FetchResponseData> fetch(RequestContext ctx, FetchRequestData request);

    CompletableFuture<ListOffsetsResponseData> listOffsets(RequestContext ctx, ListOffsetsRequestData request);

    CompletableFuture<OffsetForLeaderEpochResponseData> offsetForLeaderEpoch(
            RequestContext ctx, OffsetForLeaderEpochRequestData request);

    CompletableFuture<CreateTopicsResponseData> createTopics(RequestContext ctx, CreateTopicsRequestData request);

    CompletableFuture<DeleteTopicsResponseData> deleteTopics(RequestContext ctx, DeleteTopicsRequestData request);

    CompletableFuture<CreatePartitionsResponseData> createPartitions(RequestContext ctx, CreatePartitionsRequestData request);

    CompletableFuture<DeleteRecordsResponseData> deleteRecords(RequestContext ctx, DeleteRecordsRequestData request);

    CompletableFuture<DescribeConfigsResponseData> describeConfigs(RequestContext ctx, DescribeConfigsRequestData request);

    CompletableFuture<AlterConfigsResponseData> alterConfigs(RequestContext ctx, AlterConfigsRequestData request);

    CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            RequestContext ctx, IncrementalAlterConfigsRequestData request);

    /** KIP-455: start or cancel replica moves. */
    CompletableFuture<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            RequestContext ctx, AlterPartitionReassignmentsRequestData request);

    CompletableFuture<ListPartitionReassignmentsResponseData> listPartitionReassignments(
            RequestContext ctx, ListPartitionReassignmentsRequestData request);

    /** KIP-460: preferred or unclean leader elections. */
    CompletableFuture<ElectLeadersResponseData> electLeaders(RequestContext ctx, ElectLeadersRequestData request);

    CompletableFuture<DescribeClusterResponseData> describeCluster(RequestContext ctx, DescribeClusterRequestData request);

    CompletableFuture<InitProducerIdResponseData> initProducerId(RequestContext ctx, InitProducerIdRequestData request);

    CompletableFuture<FindCoordinatorResponseData> findCoordinator(RequestContext ctx, FindCoordinatorRequestData request);

    CompletableFuture<JoinGroupResponseData> joinGroup(RequestContext ctx, JoinGroupRequestData request);

    CompletableFuture<SyncGroupResponseData> syncGroup(RequestContext ctx, SyncGroupRequestData request);

    CompletableFuture<HeartbeatResponseData> heartbeat(RequestContext ctx, HeartbeatRequestData request);

    CompletableFuture<LeaveGroupResponseData> leaveGroup(RequestContext ctx, LeaveGroupRequestData request);

    CompletableFuture<OffsetCommitResponseData> offsetCommit(RequestContext ctx, OffsetCommitRequestData request);

    CompletableFuture<OffsetFetchResponseData> offsetFetch(RequestContext ctx, OffsetFetchRequestData request);

    CompletableFuture<OffsetDeleteResponseData> offsetDelete(RequestContext ctx, OffsetDeleteRequestData request);

    CompletableFuture<ListGroupsResponseData> listGroups(RequestContext ctx, ListGroupsRequestData request);

    CompletableFuture<DescribeGroupsResponseData> describeGroups(RequestContext ctx, DescribeGroupsRequestData request);

    CompletableFuture<DeleteGroupsResponseData> deleteGroups(RequestContext ctx, DeleteGroupsRequestData request);

    // Transactions (coordinator side).

    CompletableFuture<AddPartitionsToTxnResponseData> addPartitionsToTxn(RequestContext ctx,
                                                                        AddPartitionsToTxnRequestData request);

    CompletableFuture<AddOffsetsToTxnResponseData> addOffsetsToTxn(RequestContext ctx, AddOffsetsToTxnRequestData request);

    CompletableFuture<EndTxnResponseData> endTxn(RequestContext ctx, EndTxnRequestData request);

    CompletableFuture<TxnOffsetCommitResponseData> txnOffsetCommit(RequestContext ctx, TxnOffsetCommitRequestData request);

    CompletableFuture<DescribeTransactionsResponseData> describeTransactions(RequestContext ctx,
                                                                            DescribeTransactionsRequestData request);

    CompletableFuture<ListTransactionsResponseData> listTransactions(RequestContext ctx,
                                                                    ListTransactionsRequestData request);
    /** Transaction markers from a transaction coordinator (broker to broker): the partition side. */
    CompletableFuture<WriteTxnMarkersResponseData> writeTxnMarkers(RequestContext ctx, WriteTxnMarkersRequestData request);

    /** KIP-664: producer state of partitions led here. */
    CompletableFuture<DescribeProducersResponseData> describeProducers(RequestContext ctx,
                                                                       DescribeProducersRequestData request);
}
