package dev.weir.streams;

/** The key of a windowed aggregation: the record key and its window {@code [start, end)}. */
public record Windowed<K>(K key, long start, long end) {
    @Override
    public String toString() {
        return key + "@[" + start + "," + end + ")";
    }
}
