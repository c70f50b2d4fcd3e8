package dev.weir.streams.test;

import org.apache.kafka.common.header.Headers;

/** A record read from a test driver's output topic, with the partition it landed in and its headers. */
public record TestRecord<K, V>(K key, V value, long timestamp, int partition, Headers headers) {
}
