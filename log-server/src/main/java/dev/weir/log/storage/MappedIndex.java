package dev.weir.log.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Common machinery of the sparse, memory-mapped segment indexes: a file of fixed-size entries sorted by a key,
 * preallocated to the configured maximum while the segment is active and trimmed to its entries when it rolls
 * or closes (a file's length therefore tells how many entries a cleanly closed index holds).
 *
 * <p>Thread-safety: mutations (append, truncate, resize, rename) must be serialized by the caller (the partition
 * lock). Lookups are lock-free: the entry count is volatile and written after the entry, so a reader sees only
 * complete entries. Mappings are never force-unmapped (the GC releases them), so a reader still holding a
 * mapping replaced by a resize can never fault.
 */
abstract class MappedIndex {

    private final long baseOffset;
    private final int entrySize;
    private volatile Path file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;

    /**
     * Opens or creates the index. A new file is preallocated to {@code maxIndexSize}; an existing one is taken at
     * its length, every slot counted as an entry (run {@link #isSane()} and rebuild if it fails).
     */
    MappedIndex(Path file, long baseOffset, int maxIndexSize, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long length = ch.size();
            boolean newlyCreated = length == 0;
            if (newlyCreated) {
                length = roundDown(maxIndexSize);
                setLength(ch, length);
            }
            this.mmap = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            this.maxEntries = (int) (length / entrySize);
            this.entries = newlyCreated ? 0 : maxEntries;
        }
    }

    final long baseOffset() {
        return baseOffset;
    }

    final Path file() {
        return file;
    }

    final int entries() {
        return entries;
    }

    final int maxEntries() {
        return maxEntries;
    }

    final boolean isFull() {
        return entries >= maxEntries;
    }

    final int sizeInBytes() {
        return entries * entrySize;
    }

    /** Key (an absolute offset or a timestamp) of entry {@code slot} in {@code buffer}. */
    abstract long keyAt(MappedByteBuffer buffer, int slot);

    /** Whether the file length is a whole number of entries and its last entries are plausible. */
    abstract boolean isSane(long fileLength);

    final boolean isSane() {
        try {
            return Files.size(file) % entrySize == 0 && isSane(Files.size(file));
        } catch (IOException e) {
            return false;
        }
    }

    /** Lock-free snapshot of the mapping; pair it with an entry count read before it. */
    final MappedByteBuffer mapping() {
        return mmap;
    }

    /** Slot of the last entry whose key is <= target, or -1; {@code n} is the entry count to search. */
    final int largestLowerBoundSlot(MappedByteBuffer buffer, int n, long target) {
        if (n == 0 || keyAt(buffer, 0) > target) {
            return -1;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (keyAt(buffer, mid) <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Slot of the first entry whose key is >= target, or n. */
    final int smallestUpperBoundSlot(MappedByteBuffer buffer, int n, long target) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(buffer, mid) < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Publishes one more entry, already written at slot {@link #entries()}. */
    final void commitAppend() {
        entries = entries + 1;
    }

    final void truncateToEntries(int n) {
        entries = Math.min(entries, Math.max(0, n));
    }

    final void reset() {
        entries = 0;
    }

    /** Remaps the file at {@code newSize} bytes (rounded down to whole entries, never below the entries held). */
    final void resize(int newSize) throws IOException {
        long length = Math.max(roundDown(newSize), (long) entries * entrySize);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            mmap.force();
            if (ch.size() != length) {
                setLength(ch, length);
            }
            MappedByteBuffer remapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            maxEntries = (int) (length / entrySize);
            mmap = remapped;
            ch.force(true);
        }
    }

    /** Shrinks the file to exactly its entries, as it is left when the segment is no longer active. */
    final void trimToValidSize() throws IOException {
        resize(entries * entrySize);
    }

    final void flush() {
        mmap.force();
    }

    final void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    final void deleteIfExists() throws IOException {
        Files.deleteIfExists(file);
    }

    private long roundDown(long size) {
        return size - size % entrySize;
    }

    private static void setLength(FileChannel ch, long length) throws IOException {
        if (ch.size() > length) {
            ch.truncate(length);
        } else if (ch.size() < length) {
            // Writing the last byte extends the file sparsely, like RandomAccessFile.setLength.
            ch.write(java.nio.ByteBuffer.allocate(1), length - 1);
        }
    }
}
