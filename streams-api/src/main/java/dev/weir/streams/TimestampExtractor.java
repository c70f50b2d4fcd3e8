package dev.weir.streams;

/**
 * Gives a record its event time when it enters the topology from a source topic (by default the
 * record's own timestamp). {@code partitionTime} is the task's stream time so far (Long.MIN_VALUE
 * before its first record), a fallback for records without a usable time. A negative result is an
 * invalid record, handled by {@code deserialization.exception.handler} (fail, or skip it).
 */
@FunctionalInterface
public interface TimestampExtractor<K, V> {
    long extract(K key, V value, long recordTimestamp, long partitionTime);
}
