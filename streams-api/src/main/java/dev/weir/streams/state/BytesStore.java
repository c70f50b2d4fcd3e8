package dev.weir.streams.state;

/**
 * The storage engine beneath a typed store: byte keys in unsigned lexicographic order, byte values.
 * Implementations are not thread-safe.
 */
public interface BytesStore extends AutoCloseable {
    String name();

    byte[] get(byte[] key);

    /** Writes the value; {@code null} deletes. */
    void put(byte[] key, byte[] value);

    /** Inclusive bounds; a null bound is open. */
    KeyValueIterator<byte[], byte[]> range(byte[] from, byte[] to);

    long approximateNumEntries();

    /** True when the data outlives the process (so a checkpoint can skip restoring it). */
    boolean persistent();

    /** Makes everything written so far durable locally (before a checkpoint is written). */
    void flush();

    @Override
    void close();
}
