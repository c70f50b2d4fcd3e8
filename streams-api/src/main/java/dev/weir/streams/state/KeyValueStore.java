package dev.weir.streams.state;

/**
 * A key-value state store of one task. Keys are ordered by their serialized bytes (unsigned
 * lexicographic), which is the order of {@link #range} and {@link #all} for every implementation.
 * A null value is a deletion. Used from the task's thread only.
 */
public interface KeyValueStore<K, V> {
    String name();

    V get(K key);

    /** Writes the value; {@code null} deletes the key. */
    void put(K key, V value);

    /** Deletes the key and returns the value it had. */
    V delete(K key);

    /** Entries with {@code from <= key <= to} in serialized-key order; a null bound is open. */
    KeyValueIterator<K, V> range(K from, K to);

    KeyValueIterator<K, V> all();

    long approximateNumEntries();
}
