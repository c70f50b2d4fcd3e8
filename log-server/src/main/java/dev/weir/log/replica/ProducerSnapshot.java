package dev.weir.log.replica;

/**
 * What a partition knows of one producer (DescribeProducers, KIP-664).
 *
 * @param lastSequence          sequence of its last record, or -1
 * @param lastTimestamp         timestamp of its last batch or marker, or -1
 * @param coordinatorEpoch      epoch of the coordinator that wrote its last marker, or -1
 * @param currentTxnStartOffset first offset of its ongoing transaction here, or -1
 */
public record ProducerSnapshot(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                               int coordinatorEpoch, long currentTxnStartOffset) {}
