package dev.weir.streams;

/** Folds one record into an aggregate: {@code (key, value, aggregate) -> new aggregate}. */
@FunctionalInterface
public interface Aggregator<K, V, A> {
    A apply(K key, V value, A aggregate);
}
