package dev.weir.streams;

/** Chooses the output topic per record for {@code to(TopicNameExtractor)}. */
@FunctionalInterface
public interface TopicNameExtractor<K, V> {
    String topic(K key, V value);
}
