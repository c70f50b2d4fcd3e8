package dev.weir.log.protocol;

import dev.weir.log.api.KafkaApis;
import dev.weir.log.api.RequestContext;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one request frame into its response frame: parses the header and body with kafka-clients'
 * generated classes, dispatches to {@link KafkaApis}, and encodes the answer. Requests that cannot be
 * parsed close the connection, as Kafka does; a handler failure becomes the API's error response.
 *
 * <p>Thread-safe and stateless per call; called on request-handler threads.
 */
public final class RequestProcessor {
    private static final Logger log = LoggerFactory.getLogger(RequestProcessor.class);

    /** What the connection does with a processed request. */
    public sealed interface Outcome permits Respond, NoResponse, Close {}

    public record Respond(ResponseFrame frame) implements Outcome {}

    /** acks=0 produce: the client expects nothing back. */
    public record NoResponse() implements Outcome {}

    public record Close(String reason) implements Outcome {}

    private final KafkaApis apis;
    private final ApiVersionTable versions;

    public RequestProcessor(KafkaApis apis, ApiVersionTable versions) {
        this.apis = apis;
        this.versions = versions;
    }

    public CompletableFuture<Outcome> process(ByteBuffer frame, String clientAddress) {
        if (frame.remaining() < 8) {
            return done(new Close("request of " + frame.remaining() + " bytes is shorter than a request header"));
        }
        short apiKeyId = frame.getShort(frame.position());
        short version = frame.getShort(frame.position() + 2);
        int correlationId = frame.getInt(frame.position() + 4);
        if (!ApiKeys.hasId(apiKeyId)) {
            return done(new Close("unknown API key " + apiKeyId));
        }
        ApiKeys key = ApiKeys.forId(apiKeyId);
        if (key == ApiKeys.API_VERSIONS && !versions.isSupported(key, version)) {
            // The client learns our ranges from a v0 body and retries with a version it finds there.
            return done(new Respond(encode(correlationId, (short) 0,
                    versions.response(Errors.UNSUPPORTED_VERSION.code()), (short) 0)));
        }
        if (key == ApiKeys.PRODUCE && version < ApiKeys.PRODUCE.oldestVersion()) {
            return done(LegacyProduceRejection.respond(frame, version));
        }
        if (!versions.isSupported(key, version)) {
            return done(new Close(key + " v" + version + " is not supported"));
        }

        RequestHeader header;
        AbstractRequest request;
        try {
            header = RequestHeader.parse(frame);
            RequestAndSize parsed = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame));
            request = parsed.request;
        } catch (RuntimeException e) {
            // BufferUnderflowException, SchemaException, InvalidRequestException...: a malformed request.
            return done(new Close("malformed " + key + " v" + version + " request: " + describe(e)));
        }

        RequestContext ctx = new RequestContext(correlationId, header.clientId(), version, clientAddress);
        CompletableFuture<? extends ApiMessage> response;
        try {
            response = dispatch(key, ctx, request.data());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        short headerVersion = key.responseHeaderVersion(version);
        return response.handle((body, error) -> {
            ApiMessage answer = body;
            if (error != null) {
                log.warn("{} v{} from {} failed", key, version, clientAddress, error);
                answer = request.getErrorResponse(0, unwrap(error)).data();
            }
            if (key == ApiKeys.PRODUCE && ((ProduceRequestData) request.data()).acks() == 0) {
                // acks=0: no response; Kafka signals a failed write by closing the connection.
                return hasErrors((ProduceResponseData) answer)
                        ? new Close("acks=0 produce failed")
                        : new NoResponse();
            }
            return new Respond(encode(correlationId, headerVersion, answer, version));
        });
    }

    private CompletableFuture<? extends ApiMessage> dispatch(ApiKeys key, RequestContext ctx, ApiMessage body) {
        return switch (key) {
            case API_VERSIONS -> CompletableFuture.completedFuture(versions.response(Errors.NONE.code()));
            case METADATA -> apis.metadata(ctx, (MetadataRequestData) body);
            case PRODUCE -> apis.produce(ctx, (ProduceRequestData) body);
            case FETCH -> apis.fetch(ctx, (FetchRequestData) body);
            case LIST_OFFSETS -> apis.listOffsets(ctx, (ListOffsetsRequestData) body);
            case OFFSET_FOR_LEADER_EPOCH -> apis.offsetForLeaderEpoch(ctx, (OffsetForLeaderEpochRequestData) body);
            case CREATE_TOPICS -> apis.createTopics(ctx, (CreateTopicsRequestData) body);
            case DELETE_TOPICS -> apis.deleteTopics(ctx, (DeleteTopicsRequestData) body);
            case CREATE_PARTITIONS -> apis.createPartitions(ctx, (CreatePartitionsRequestData) body);
            case DELETE_RECORDS -> apis.deleteRecords(ctx, (DeleteRecordsRequestData) body);
            case DESCRIBE_CONFIGS -> apis.describeConfigs(ctx, (DescribeConfigsRequestData) body);
            case ALTER_CONFIGS -> apis.alterConfigs(ctx, (AlterConfigsRequestData) body);
            case INCREMENTAL_ALTER_CONFIGS -> apis.incrementalAlterConfigs(ctx, (IncrementalAlterConfigsRequestData) body);
            case DESCRIBE_CLUSTER -> apis.describeCluster(ctx, (DescribeClusterRequestData) body);
            case ALTER_PARTITION_REASSIGNMENTS ->
                    apis.alterPartitionReassignments(ctx, (AlterPartitionReassignmentsRequestData) body);
            case LIST_PARTITION_REASSIGNMENTS ->
                    apis.listPartitionReassignments(ctx, (ListPartitionReassignmentsRequestData) body);
            case ELECT_LEADERS -> apis.electLeaders(ctx, (ElectLeadersRequestData) body);
            case INIT_PRODUCER_ID -> apis.initProducerId(ctx, (InitProducerIdRequestData) body);
            case FIND_COORDINATOR -> apis.findCoordinator(ctx, (FindCoordinatorRequestData) body);
            case JOIN_GROUP -> apis.joinGroup(ctx, (JoinGroupRequestData) body);
            case SYNC_GROUP -> apis.syncGroup(ctx, (SyncGroupRequestData) body);
            case HEARTBEAT -> apis.heartbeat(ctx, (HeartbeatRequestData) body);
            case LEAVE_GROUP -> apis.leaveGroup(ctx, (LeaveGroupRequestData) body);
            case OFFSET_COMMIT -> apis.offsetCommit(ctx, (OffsetCommitRequestData) body);
            case OFFSET_FETCH -> apis.offsetFetch(ctx, (OffsetFetchRequestData) body);
            case OFFSET_DELETE -> apis.offsetDelete(ctx, (OffsetDeleteRequestData) body);
            case LIST_GROUPS -> apis.listGroups(ctx, (ListGroupsRequestData) body);
            case DESCRIBE_GROUPS -> apis.describeGroups(ctx, (DescribeGroupsRequestData) body);
            case DELETE_GROUPS -> apis.deleteGroups(ctx, (DeleteGroupsRequestData) body);
            // Transactions (coordinator side).
            case ADD_PARTITIONS_TO_TXN -> apis.addPartitionsToTxn(ctx, (AddPartitionsToTxnRequestData) body);
            case ADD_OFFSETS_TO_TXN -> apis.addOffsetsToTxn(ctx, (AddOffsetsToTxnRequestData) body);
            case END_TXN -> apis.endTxn(ctx, (EndTxnRequestData) body);
            case TXN_OFFSET_COMMIT -> apis.txnOffsetCommit(ctx, (TxnOffsetCommitRequestData) body);
            case DESCRIBE_TRANSACTIONS -> apis.describeTransactions(ctx, (DescribeTransactionsRequestData) body);
            case LIST_TRANSACTIONS -> apis.listTransactions(ctx, (ListTransactionsRequestData) body);
            case WRITE_TXN_MARKERS -> apis.writeTxnMarkers(ctx, (WriteTxnMarkersRequestData) body);
            case DESCRIBE_PRODUCERS -> apis.describeProducers(ctx, (DescribeProducersRequestData) body);
            default -> throw new IllegalStateException(key + " is in the version table but has no handler");
        };
    }

    private static boolean hasErrors(ProduceResponseData response) {
        return response.responses().stream()
                .flatMap(t -> t.partitionResponses().stream())
                .anyMatch(p -> p.errorCode() != Errors.NONE.code());
    }

    /** Encodes header and body behind a 4-byte size; record fields stay zero-copy parts. */
    static ResponseFrame encode(int correlationId, short headerVersion, ApiMessage body, short version) {
        var header = new org.apache.kafka.common.message.ResponseHeaderData().setCorrelationId(correlationId);
        var cache = new org.apache.kafka.common.protocol.ObjectSerializationCache();
        var size = new org.apache.kafka.common.protocol.MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        FrameWriter writer = new FrameWriter(size.sizeExcludingZeroCopy() + 4);
        writer.writeInt(size.totalSize());
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        return new ResponseFrame(writer.finish(), size.totalSize() + 4);
    }

    private static CompletableFuture<Outcome> done(Outcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(RuntimeException e) {
        return e instanceof BufferUnderflowException ? "truncated" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Used by tests and tools that want the ApiVersions answer without a connection. */
    public ApiVersionsResponseData apiVersions() {
        return versions.response(Errors.NONE.code());
    }
}
