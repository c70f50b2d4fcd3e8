package dev.weir.log.storage;

/** A record's timestamp and offset, as found by a timestamp lookup or stored in a {@link TimeIndex} entry. */
public record TimestampOffset(long timestamp, long offset) {
    /** Placeholder for "no timestamp seen yet" (Kafka's RecordBatch.NO_TIMESTAMP is -1). */
    public static final TimestampOffset UNKNOWN = new TimestampOffset(-1L, -1L);
}
