package dev.weir.log.storage;

/**
 * Per-partition storage settings, named after Kafka's topic configs.
 *
 * @param segmentBytes          {@code segment.bytes}: roll the active segment before it would exceed this size
 * @param segmentMs             {@code segment.ms}: roll once the active segment's first batch is this old
 * @param retentionMs           {@code retention.ms}: delete segments whose largest timestamp is older; -1 = unlimited
 * @param retentionBytes        {@code retention.bytes}: delete oldest segments while the log exceeds this; -1 = unlimited
 * @param maxMessageBytes       {@code max.message.bytes}: largest accepted record batch
 * @param indexIntervalBytes    {@code index.interval.bytes}: log bytes between sparse index entries
 * @param segmentIndexBytes     {@code segment.index.bytes}: preallocated size of each index file
 * @param logAppendTime         {@code message.timestamp.type=LogAppendTime} when true, CreateTime otherwise
 * @param fileDeleteDelayMs     {@code file.delete.delay.ms}: grace period before deleted files are closed and removed
 * @param flushIntervalMessages {@code flush.messages}: fsync after this many unflushed records
 * @param flushMs               {@code flush.ms}: fsync when the last flush is this old
 * @param cleanup               {@code cleanup.policy} and the compaction settings
 */
public record LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int maxMessageBytes,
                        int indexIntervalBytes, int segmentIndexBytes, boolean logAppendTime, long fileDeleteDelayMs,
                        long flushIntervalMessages, long flushMs, CleanupConfig cleanup) {

    /** A log under {@code cleanup.policy=delete} (Kafka's default). */
    public LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int maxMessageBytes,
                     int indexIntervalBytes, int segmentIndexBytes, boolean logAppendTime, long fileDeleteDelayMs,
                     long flushIntervalMessages, long flushMs) {
        this(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs,
                CleanupConfig.DELETE);
    }

    public LogConfig {
        java.util.Objects.requireNonNull(cleanup, "cleanup");
        if (segmentBytes < RecordBatchHeader.HEADER_SIZE) {
            throw new IllegalArgumentException("segment.bytes " + segmentBytes + " is too small: use at least "
                    + RecordBatchHeader.HEADER_SIZE);
        }
        if (segmentMs <= 0) throw new IllegalArgumentException("segment.ms must be positive, was " + segmentMs);
        if (maxMessageBytes <= 0) throw new IllegalArgumentException("max.message.bytes must be positive, was " + maxMessageBytes);
        if (indexIntervalBytes < 0) throw new IllegalArgumentException("index.interval.bytes must be >= 0, was " + indexIntervalBytes);
        if (segmentIndexBytes < TimeIndex.ENTRY_SIZE) {
            throw new IllegalArgumentException("segment.index.bytes " + segmentIndexBytes + " is too small: use at least "
                    + TimeIndex.ENTRY_SIZE);
        }
        if (fileDeleteDelayMs < 0) throw new IllegalArgumentException("file.delete.delay.ms must be >= 0, was " + fileDeleteDelayMs);
        if (flushIntervalMessages <= 0) throw new IllegalArgumentException("flush.messages must be positive, was " + flushIntervalMessages);
        if (flushMs < 0) throw new IllegalArgumentException("flush.ms must be >= 0, was " + flushMs);
    }

    /** Kafka's topic-level defaults. */
    public static LogConfig defaults() {
        return new LogConfig(1024 * 1024 * 1024, 7 * 24 * 3600 * 1000L, 7 * 24 * 3600 * 1000L, -1L, 1024 * 1024 + 12,
                4096, 10 * 1024 * 1024, false, 60_000L, Long.MAX_VALUE, Long.MAX_VALUE, CleanupConfig.DELETE);
    }

    public LogConfig withSegmentBytes(int v) {
        return new LogConfig(v, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withSegmentMs(long v) {
        return new LogConfig(segmentBytes, v, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withRetentionMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, v, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withRetentionBytes(long v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, v, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withMaxMessageBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, v, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withIndexIntervalBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, v,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withSegmentIndexBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                v, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withLogAppendTime(boolean v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, v, fileDeleteDelayMs, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withFileDeleteDelayMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, v, flushIntervalMessages, flushMs, cleanup);
    }

    public LogConfig withFlushIntervalMessages(long v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, v, flushMs, cleanup);
    }

    public LogConfig withFlushMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, v, cleanup);
    }

    public LogConfig withCleanup(CleanupConfig v) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, fileDeleteDelayMs, flushIntervalMessages, flushMs, v);
    }

    /**
     * How old the active segment may get before it rolls: {@code segment.ms}, or {@code max.compaction.lag.ms} if
     * smaller on a compacted log (the active segment is never cleaned, so it must roll for its records to be).
     */
    public long maxSegmentMs() {
        return cleanup.compact() ? Math.min(segmentMs, cleanup.maxCompactionLagMs()) : segmentMs;
    }
}
