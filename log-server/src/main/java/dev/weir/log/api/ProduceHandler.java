package dev.weir.log.api;

import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.ProducedRecordsValidator;
import dev.weir.log.protocol.WireRecords;
import dev.weir.log.replica.Partition;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;

/**
 * Produce: validates each partition's batches and appends them through {@code ReplicaManager.appendRecords}, then
 * answers at once for acks=0/1, or once the high watermark covers the batch for acks=all (within the request timeout).
 */
final class ProduceHandler {
    private final PartitionLookup partitions;

    ProduceHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    CompletableFuture<ProduceResponseData> produce(ProduceRequestData request) {
        short acks = request.acks();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        ProduceResponseData response = new ProduceResponseData();
        for (ProduceRequestData.TopicProduceData topic : request.topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse().setName(topic.name()).setTopicId(topic.topicId());
            response.responses().add(topicResponse);
            for (ProduceRequestData.PartitionProduceData data : topic.partitionData()) {
                PartitionProduceResponse out = new PartitionProduceResponse().setIndex(data.index());
                topicResponse.partitionResponses().add(out);
                if (acks != 0 && acks != 1 && acks != -1) {
                    fail(out, ErrorCode.INVALID_REQUIRED_ACKS.code(), "acks must be -1 (all), 0 or 1, not " + acks);
                    continue;
                }
                try {
                    Partition partition = partitions.leader(topic.name(), data.index());
                    ByteBuffer batches = WireRecords.producedBatches(data);
                    if (!batches.hasRemaining()) {
                        throw new InvalidRecordException("produce request for " + topic.name() + "-" + data.index()
                                + " has no record batches");
                    }
                    ProducedRecordsValidator.validate(batches, partition.isCompacted()
                            ? partition.topicPartition().toString() : null);
                    pending.add(partitions.replicas().appendRecords(partition.topicPartition(), batches, acks,
                                    request.timeoutMs())
                            .handle((info, failure) -> {
                                if (failure != null) {
                                    fail(out, ErrorCode.of(failure), ErrorCode.messageOf(failure));
                                } else {
                                    synchronized (out) {
                                        out.setBaseOffset(info.firstOffset())
                                                .setLogAppendTimeMs(info.logAppendTime())
                                                .setLogStartOffset(info.logStartOffset());
                                    }
                                }
                                return null;
                            }));
                } catch (RuntimeException e) {
                    fail(out, ErrorCode.of(e), ErrorCode.messageOf(e));
                }
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private static void fail(PartitionProduceResponse out, short code, String message) {
        synchronized (out) {
            out.setErrorCode(code).setErrorMessage(message).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
        }
    }
}
