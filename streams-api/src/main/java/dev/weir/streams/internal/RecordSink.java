package dev.weir.streams.internal;

import org.apache.kafka.common.header.Headers;

/**
 * Where a task's output goes: sink topics, repartition topics and changelogs. {@code partition} null
 * means "by key" (murmur2 of the key bytes, as kafka-clients' producer does; round-robin for null keys).
 */
public interface RecordSink {
    void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp, Headers headers);

    default void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp) {
        send(topic, partition, key, value, timestamp, null);
    }
}
