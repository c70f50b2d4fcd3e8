package dev.weir.log.api;

import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.ProducerSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;

/**
 * The partition side of transactions:
 * <ul>
 *   <li><b>WriteTxnMarkers</b> (sent by a transaction coordinator): for each marker and each partition led here,
 *       appends a COMMIT or ABORT control batch carrying the coordinator epoch and answers, per partition, once the
 *       high watermark covers it (as acks=all; {@value #MARKER_TIMEOUT_MS} ms at most, Kafka's request.timeout.ms).
 *       Partition errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS,
 *       INVALID_PRODUCER_EPOCH (marker epoch older than the producer's), TRANSACTION_COORDINATOR_FENCED (coordinator
 *       epoch older than the last marker's), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR. Markers of one request are
 *       appended in request order.</li>
 *   <li><b>DescribeProducers</b>: the producer state of partitions led here.</li>
 * </ul>
 */
final class TxnMarkersHandler {
    static final long MARKER_TIMEOUT_MS = 30_000;

    private final PartitionLookup partitions;

    TxnMarkersHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    CompletableFuture<WriteTxnMarkersResponseData> writeTxnMarkers(WriteTxnMarkersRequestData request) {
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (WriteTxnMarkersRequestData.WritableTxnMarker marker : request.markers()) {
            var markerResult = new WriteTxnMarkersResponseData.WritableTxnMarkerResult().setProducerId(marker.producerId());
            response.markers().add(markerResult);
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic topic : marker.topics()) {
                var topicResult = new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(topic.name());
                markerResult.topics().add(topicResult);
                for (int index : topic.partitionIndexes()) {
                    var out = new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult().setPartitionIndex(index);
                    topicResult.partitions().add(out);
                    Partition partition;
                    try {
                        partition = partitions.leader(topic.name(), index);
                    } catch (RuntimeException e) {
                        out.setErrorCode(ErrorCode.of(e));
                        continue;
                    }
                    pending.add(partitions.replicas().appendTransactionMarker(partition, marker.producerId(),
                                    marker.producerEpoch(), marker.coordinatorEpoch(), marker.transactionResult(),
                                    MARKER_TIMEOUT_MS)
                            .handle((written, error) -> {
                                short code = error == null ? ErrorCode.NONE.code()
                                        : isTimeout(error) ? ErrorCode.REQUEST_TIMED_OUT.code() : ErrorCode.of(error);
                                synchronized (out) {
                                    out.setErrorCode(code);
                                }
                                return null;
                            }));
                }
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private static boolean isTimeout(Throwable t) {
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof TimeoutException;
    }

    DescribeProducersResponseData describeProducers(DescribeProducersRequestData request) {
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : request.topics()) {
            var topicOut = new DescribeProducersResponseData.TopicResponse().setName(topic.name());
            response.topics().add(topicOut);
            for (int index : topic.partitionIndexes()) {
                var out = new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(index);
                topicOut.partitions().add(out);
                try {
                    Partition partition = partitions.leader(topic.name(), index);
                    for (ProducerSnapshot e : partition.producerStates()) {
                        out.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                .setProducerId(e.producerId())
                                .setProducerEpoch(e.producerEpoch())
                                .setLastSequence(e.lastSequence())
                                .setLastTimestamp(e.lastTimestamp())
                                .setCoordinatorEpoch(e.coordinatorEpoch())
                                .setCurrentTxnStartOffset(e.currentTxnStartOffset()));
                    }
                } catch (RuntimeException e) {
                    out.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e));
                }
            }
        }
        return response;
    }
}
