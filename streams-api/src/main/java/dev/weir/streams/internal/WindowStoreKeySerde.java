package dev.weir.streams.internal;

import dev.weir.streams.Windowed;
import dev.weir.streams.serde.Serde;
import java.nio.ByteBuffer;

/**
 * How a window store keys its entries: the 8-byte big-endian window start, then the key bytes. Time
 * first, so the store's byte order is window order and closed windows are found at its beginning.
 * (Starts are never negative, so signed and unsigned byte order agree.)
 */
public final class WindowStoreKeySerde<K> implements Serde<Windowed<K>> {
    private final Serde<K> inner;
    private final long sizeMs;

    public WindowStoreKeySerde(Serde<K> inner, long sizeMs) {
        this.inner = inner;
        this.sizeMs = sizeMs;
    }

    @Override
    public byte[] serialize(String topic, Windowed<K> w) {
        if (w == null) {
            return null;
        }
        byte[] k = inner.serialize(topic, w.key());
        return ByteBuffer.allocate(8 + k.length).putLong(w.start()).put(k).array();
    }

    @Override
    public Windowed<K> deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long start = b.getLong();
        byte[] k = new byte[b.remaining()];
        b.get(k);
        return new Windowed<>(inner.deserialize(topic, k), start, start + sizeMs);
    }

    @Override
    public String toString() {
        return "WindowStoreKey(" + inner + ")";
    }
}
