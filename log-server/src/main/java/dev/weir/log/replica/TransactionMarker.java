package dev.weir.log.replica;

import org.apache.kafka.common.TopicPartition;

/**
 * An end-transaction marker this broker appended as leader of {@code partition} and that the high watermark now
 * covers (see {@link ReplicaManager#appendTransactionMarker}).
 *
 * @param committed true for COMMIT, false for ABORT
 * @param offset    the marker's offset in the partition
 */
public record TransactionMarker(TopicPartition partition, long producerId, short producerEpoch, boolean committed,
                                long offset) {
}
