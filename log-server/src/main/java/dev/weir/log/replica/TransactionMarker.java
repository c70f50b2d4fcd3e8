package dev.weir.log.replica;

import org.apache.kafka.common.TopicPartition;

/**
 * A COMMIT or ABORT marker appended to a partition this broker leads (by WriteTxnMarkers).
 *
 * <p>Defined identically on the {@code txn-log} branch, which appends the markers and calls the
 * listeners; this copy lets the group coordinator compile against it before that branch is merged.
 *
 * @param offset the marker's offset in the partition
 */
public record TransactionMarker(TopicPartition partition, long producerId, short producerEpoch, boolean committed,
                                long offset) {}
