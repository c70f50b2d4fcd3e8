package dev.weir.log.storage;

/**
 * The answer to "where does leader epoch N end in this log?" (OffsetForLeaderEpoch, KIP-101/279): the largest epoch
 * at or below the requested one that the log knows, and the offset after its last record, which is the start offset
 * of the next known epoch, or the log end offset for the latest epoch. {@link #UNDEFINED} when the log knows no
 * such epoch. Immutable.
 */
public record EpochEndOffset(int epoch, long endOffset) {

    /** Kafka's UNDEFINED_EPOCH. */
    public static final int UNDEFINED_EPOCH = -1;
    /** Kafka's UNDEFINED_EPOCH_OFFSET. */
    public static final long UNDEFINED_END_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_END_OFFSET);

    public boolean isUndefined() {
        return epoch == UNDEFINED_EPOCH || endOffset == UNDEFINED_END_OFFSET;
    }
}
