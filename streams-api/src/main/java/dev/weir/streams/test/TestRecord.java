package dev.weir.streams.test;

/** A record read from a test driver's output topic, with the partition it landed in. */
public record TestRecord<K, V>(K key, V value, long timestamp, int partition) {
}
