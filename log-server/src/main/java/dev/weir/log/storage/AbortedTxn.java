package dev.weir.log.storage;

/**
 * One entry of a segment's aborted-transaction index ({@link TransactionIndex}).
 *
 * @param producerId       the producer whose transaction was aborted
 * @param firstOffset      offset of the transaction's first batch in this partition (the marker's own offset if the
 *                         transaction wrote nothing here)
 * @param lastOffset       offset of the ABORT marker
 * @param lastStableOffset the partition's first unstable offset just after the marker was appended (the first offset
 *                         of another producer's ongoing transaction, else {@code lastOffset + 1}); lets a reader stop
 *                         scanning later segments, as in Kafka
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
