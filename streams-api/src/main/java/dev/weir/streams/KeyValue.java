package dev.weir.streams;

/** A key and a value: what {@code map}/{@code flatMap} return and what store iterators yield. */
public record KeyValue<K, V>(K key, V value) {
    public static <K, V> KeyValue<K, V> pair(K key, V value) {
        return new KeyValue<>(key, value);
    }
}
