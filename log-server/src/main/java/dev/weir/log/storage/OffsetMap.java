package dev.weir.log.storage;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Key to the latest offset at which the key appears in the part of a log scanned so far (the cleaner's dedupe map).
 * Keys are copied, so the map holds no reference to the buffers it was fed from. Memory is estimated per entry
 * (key bytes plus {@link #ENTRY_OVERHEAD}) so that the cleaner can stop mapping before it exceeds its budget.
 *
 * <p>Thread-safety: none; one cleaning uses it from one thread.
 */
final class OffsetMap {

    /** Approximate heap cost of one entry beyond its key bytes (HashMap node, ByteBuffer, array header, Long). */
    static final int ENTRY_OVERHEAD = 120;

    private final Map<ByteBuffer, Long> offsets = new HashMap<>();
    private long estimatedBytes;
    private long latestOffset = -1;

    /** Records that {@code key} appears at {@code offset}; offsets must be fed in increasing order. */
    void put(ByteBuffer key, long offset) {
        Long previous = offsets.get(key);
        if (previous == null) {
            byte[] copy = new byte[key.remaining()];
            key.duplicate().get(copy);
            offsets.put(ByteBuffer.wrap(copy), offset);
            estimatedBytes += copy.length + ENTRY_OVERHEAD;
        } else {
            offsets.replace(key, offset); // keeps the stored copy of the key
        }
        latestOffset = Math.max(latestOffset, offset);
    }

    /** The latest offset of {@code key}, or -1 if it was not seen. */
    long get(ByteBuffer key) {
        Long offset = offsets.get(key);
        return offset == null ? -1 : offset;
    }

    int size() {
        return offsets.size();
    }

    long estimatedBytes() {
        return estimatedBytes;
    }

    /** The largest offset put, or -1. */
    long latestOffset() {
        return latestOffset;
    }
}
