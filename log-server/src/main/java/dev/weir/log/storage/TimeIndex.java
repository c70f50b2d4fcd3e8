package dev.weir.log.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from timestamp to offset in one segment, file {@code <20-digit baseOffset>.timeindex}.
 *
 * <p>Format: a sequence of 12-byte entries, big-endian {@code timestamp int64 | relativeOffset int32}: the largest
 * timestamp seen in the segment up to some batch, and the last offset of the batch that first carried it.
 * Timestamps strictly increase and offsets never decrease, so all records before the entry's batch have smaller
 * timestamps and a search for the first record at or after T may start at the batch of the last entry with
 * timestamp <= T. An entry is considered whenever an {@link OffsetIndex} entry is added, and once more when the
 * segment stops being active.
 *
 * <p>Thread-safety: see {@link MappedIndex}: appends and truncation under the partition lock, lookups lock-free.
 */
public final class TimeIndex extends MappedIndex {

    public static final int ENTRY_SIZE = 12;

    public TimeIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    @Override
    long keyAt(MappedByteBuffer buffer, int slot) {
        return buffer.getLong(slot * ENTRY_SIZE);
    }

    private long offsetAt(MappedByteBuffer buffer, int slot) {
        return baseOffset() + buffer.getInt(slot * ENTRY_SIZE + 8);
    }

    @Override
    boolean isSane(long fileLength) {
        int n = entries();
        MappedByteBuffer m = mapping();
        if (n == 0) {
            return true;
        }
        if (offsetAt(m, n - 1) < baseOffset()) {
            return false;
        }
        return n == 1 || (keyAt(m, n - 1) > keyAt(m, n - 2) && offsetAt(m, n - 1) >= offsetAt(m, n - 2));
    }

    /** The last entry whose timestamp is <= target, or (-1, baseOffset) if there is none. */
    public TimestampOffset lookup(long targetTimestamp) {
        int n = entries();
        MappedByteBuffer m = mapping();
        int slot = largestLowerBoundSlot(m, n, targetTimestamp);
        return slot < 0 ? new TimestampOffset(-1L, baseOffset()) : new TimestampOffset(keyAt(m, slot), offsetAt(m, slot));
    }

    /** The last entry, or (-1, baseOffset) if empty. */
    public TimestampOffset lastEntry() {
        int n = entries();
        MappedByteBuffer m = mapping();
        return n == 0 ? new TimestampOffset(-1L, baseOffset()) : new TimestampOffset(keyAt(m, n - 1), offsetAt(m, n - 1));
    }

    /**
     * Appends (timestamp, offset) if the timestamp is larger than the last entry's and the index has room; a
     * skipped entry only makes lookups scan further.
     */
    public void maybeAppend(long timestamp, long offset) {
        int n = entries();
        if (isFull() || timestamp < 0) {
            return;
        }
        TimestampOffset last = lastEntry();
        if (n > 0 && (timestamp <= last.timestamp() || offset < last.offset())) {
            return;
        }
        long relative = offset - baseOffset();
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit time index " + file());
        }
        MappedByteBuffer m = mapping();
        m.putLong(n * ENTRY_SIZE, timestamp);
        m.putInt(n * ENTRY_SIZE + 8, (int) relative);
        commitAppend();
    }

    /** Removes the entries whose offset is >= {@code offset}. */
    public void truncateTo(long offset) {
        int n = entries();
        MappedByteBuffer m = mapping();
        // Offsets never decrease along the file: binary search on them.
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (offsetAt(m, mid) < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        truncateToEntries(lo);
    }
}
