package dev.weir.log.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from offset to file position in one segment, file {@code <20-digit baseOffset>.index}.
 *
 * <p>Format: a sequence of 8-byte entries, big-endian {@code relativeOffset int32 | position int32}, where
 * relativeOffset = (last offset of a batch) - baseOffset and position is where that batch starts in the .log file.
 * Entries are strictly increasing in both fields; one is added every {@code index.interval.bytes} of log, so a
 * lookup yields a position from which at most that many bytes must be scanned. Preallocated while active
 * (unused slots are zero), trimmed to its entries when the segment rolls or closes.
 *
 * <p>Thread-safety: see {@link MappedIndex}: appends and truncation under the partition lock, lookups lock-free.
 */
public final class OffsetIndex extends MappedIndex {

    public static final int ENTRY_SIZE = 8;

    public OffsetIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    @Override
    long keyAt(MappedByteBuffer buffer, int slot) {
        return baseOffset() + buffer.getInt(slot * ENTRY_SIZE);
    }

    private int positionAt(MappedByteBuffer buffer, int slot) {
        return buffer.getInt(slot * ENTRY_SIZE + 4);
    }

    @Override
    boolean isSane(long fileLength) {
        int n = entries();
        MappedByteBuffer m = mapping();
        if (n == 0) {
            return true;
        }
        if (keyAt(m, n - 1) < baseOffset() || positionAt(m, n - 1) < 0) {
            return false;
        }
        // A preallocated file left by a crash ends in zero slots: equal entries.
        return n == 1 || (keyAt(m, n - 1) > keyAt(m, n - 2) && positionAt(m, n - 1) > positionAt(m, n - 2));
    }

    /** The last entry whose offset is <= target, or (baseOffset, 0) if there is none. */
    public OffsetPosition lookup(long targetOffset) {
        int n = entries();
        MappedByteBuffer m = mapping();
        int slot = largestLowerBoundSlot(m, n, targetOffset);
        return slot < 0 ? new OffsetPosition(baseOffset(), 0) : new OffsetPosition(keyAt(m, slot), positionAt(m, slot));
    }

    /** The last entry, or (baseOffset, 0) if empty. */
    public OffsetPosition lastEntry() {
        int n = entries();
        MappedByteBuffer m = mapping();
        return n == 0 ? new OffsetPosition(baseOffset(), 0) : new OffsetPosition(keyAt(m, n - 1), positionAt(m, n - 1));
    }

    /**
     * @throws IllegalArgumentException if the entry is not beyond the last one or does not fit a relative offset
     * @throws IllegalStateException    if the index is full (the segment must roll first)
     */
    public void append(long offset, int position) {
        int n = entries();
        if (isFull()) {
            throw new IllegalStateException("offset index " + file() + " is full (" + n + " entries)");
        }
        long relative = offset - baseOffset();
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit index " + file());
        }
        if (n > 0) {
            OffsetPosition last = lastEntry();
            if (offset <= last.offset() || position <= last.position()) {
                throw new IllegalArgumentException("index entry (" + offset + ", " + position
                        + ") is not beyond the last entry " + last + " of " + file());
            }
        }
        MappedByteBuffer m = mapping();
        m.putInt(n * ENTRY_SIZE, (int) relative);
        m.putInt(n * ENTRY_SIZE + 4, position);
        commitAppend();
    }

    /** Removes the entries with offset >= {@code offset}. */
    public void truncateTo(long offset) {
        truncateToEntries(smallestUpperBoundSlot(mapping(), entries(), offset));
    }
}
