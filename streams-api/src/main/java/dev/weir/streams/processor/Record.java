package dev.weir.streams.processor;

/** A record in the processor API: key, value and event timestamp (ms). Immutable. */
public record Record<K, V>(K key, V value, long timestamp) {
    public <K2> Record<K2, V> withKey(K2 newKey) {
        return new Record<>(newKey, value, timestamp);
    }

    public <V2> Record<K, V2> withValue(V2 newValue) {
        return new Record<>(key, newValue, timestamp);
    }

    public Record<K, V> withTimestamp(long newTimestamp) {
        return new Record<>(key, value, newTimestamp);
    }
}
