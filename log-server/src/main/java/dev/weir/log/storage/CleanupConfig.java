package dev.weir.log.storage;

/**
 * What happens to a log's old records, named after Kafka's topic configs.
 *
 * @param delete                 {@code cleanup.policy} contains {@code delete}: whole segments go by retention.ms and
 *                               retention.bytes
 * @param compact                {@code cleanup.policy} contains {@code compact}: the {@link LogCleaner} keeps the last
 *                               record per key
 * @param minCleanableDirtyRatio {@code min.cleanable.dirty.ratio}: share of not-yet-compacted bytes that makes the log
 *                               worth cleaning
 * @param minCompactionLagMs     {@code min.compaction.lag.ms}: records younger than this are not compacted
 * @param maxCompactionLagMs     {@code max.compaction.lag.ms}: records older than this are compacted whatever the
 *                               dirty ratio ({@link Long#MAX_VALUE}: never forced)
 * @param deleteRetentionMs      {@code delete.retention.ms}: how long a tombstone survives once compaction has seen it
 */
public record CleanupConfig(boolean delete, boolean compact, double minCleanableDirtyRatio, long minCompactionLagMs,
                            long maxCompactionLagMs, long deleteRetentionMs) {

    /** {@code cleanup.policy=delete} with Kafka's compaction defaults. */
    public static final CleanupConfig DELETE = new CleanupConfig(true, false, 0.5, 0, Long.MAX_VALUE, 86_400_000L);

    public CleanupConfig {
        if (minCleanableDirtyRatio < 0 || minCleanableDirtyRatio > 1) {
            throw new IllegalArgumentException("min.cleanable.dirty.ratio must be in [0, 1], was " + minCleanableDirtyRatio);
        }
        if (minCompactionLagMs < 0) throw new IllegalArgumentException("min.compaction.lag.ms must be >= 0, was " + minCompactionLagMs);
        if (maxCompactionLagMs <= 0) throw new IllegalArgumentException("max.compaction.lag.ms must be positive, was " + maxCompactionLagMs);
        if (deleteRetentionMs < 0) throw new IllegalArgumentException("delete.retention.ms must be >= 0, was " + deleteRetentionMs);
    }

    /** {@code cleanup.policy=compact} with Kafka's defaults. */
    public static CleanupConfig compactDefaults() {
        return new CleanupConfig(false, true, 0.5, 0, Long.MAX_VALUE, 86_400_000L);
    }

    public CleanupConfig withPolicy(boolean delete, boolean compact) {
        return new CleanupConfig(delete, compact, minCleanableDirtyRatio, minCompactionLagMs, maxCompactionLagMs,
                deleteRetentionMs);
    }

    public CleanupConfig withMinCleanableDirtyRatio(double v) {
        return new CleanupConfig(delete, compact, v, minCompactionLagMs, maxCompactionLagMs, deleteRetentionMs);
    }

    public CleanupConfig withMinCompactionLagMs(long v) {
        return new CleanupConfig(delete, compact, minCleanableDirtyRatio, v, maxCompactionLagMs, deleteRetentionMs);
    }

    public CleanupConfig withMaxCompactionLagMs(long v) {
        return new CleanupConfig(delete, compact, minCleanableDirtyRatio, minCompactionLagMs, v, deleteRetentionMs);
    }

    public CleanupConfig withDeleteRetentionMs(long v) {
        return new CleanupConfig(delete, compact, minCleanableDirtyRatio, minCompactionLagMs, maxCompactionLagMs, v);
    }
}
