package dev.weir.log.replica;

/**
 * Where a leader epoch ends in a partition's log (OffsetForLeaderEpoch): the largest known epoch at or below the
 * asked one and the offset after its last record; both -1 ({@link #UNDEFINED}) when no such epoch is known.
 */
public record EpochEnd(int epoch, long endOffset) {
    /** Kafka's UNDEFINED_EPOCH. */
    public static final int UNDEFINED_EPOCH = -1;
    /** Kafka's UNDEFINED_EPOCH_OFFSET. */
    public static final long UNDEFINED_END_OFFSET = -1L;
    public static final EpochEnd UNDEFINED = new EpochEnd(UNDEFINED_EPOCH, UNDEFINED_END_OFFSET);
}
