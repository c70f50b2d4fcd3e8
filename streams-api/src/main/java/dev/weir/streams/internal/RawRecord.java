package dev.weir.streams.internal;

/** A record as read from a topic partition, still serialized. {@code topic} is the real topic name. */
public record RawRecord(String topic, int partition, long offset, byte[] key, byte[] value, long timestamp) {
}
