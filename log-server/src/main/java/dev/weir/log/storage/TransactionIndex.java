package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The aborted-transaction index of one segment, {@code <20-digit baseOffset>.txnindex}, in Kafka's format: entries
 * of 34 bytes back to back, no header (big-endian)
 * <pre>
 * version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 * </pre>
 * one per ABORT marker appended to the segment, in log order (see {@link AbortedTxn}). The file is created on the
 * first entry, so segments without aborted transactions have none. A torn last entry (crash mid-write) or an entry of
 * an unknown version ends the index: the file is cut there on load, and recovery re-adds entries it finds missing.
 * All entries are also kept in memory (an aborted transaction costs 32 bytes): fetches read them without I/O.
 *
 * <p>Thread-safety: all methods are synchronized; writers are additionally serialized by the partition lock.
 */
final class TransactionIndex {

    private static final Logger log = LoggerFactory.getLogger(TransactionIndex.class);
    static final short VERSION = 0;
    static final int ENTRY_SIZE = 2 + 8 + 8 + 8 + 8;

    private final long baseOffset;
    private Path file;
    private FileChannel channel;
    private final List<AbortedTxn> entries = new ArrayList<>();

    /** Opens the index at {@code file} if it exists (loading its entries), else starts empty without a file. */
    TransactionIndex(Path file, long baseOffset) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        if (Files.exists(file)) {
            load();
        }
    }

    private void load() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE));
        while (buf.hasRemaining() && channel.read(buf, buf.position()) >= 0) {
            // positional reads until full
        }
        buf.flip();
        int valid = 0;
        while (buf.remaining() >= ENTRY_SIZE) {
            int at = buf.position();
            if (buf.getShort(at) != VERSION) {
                break;
            }
            entries.add(new AbortedTxn(buf.getLong(at + 2), buf.getLong(at + 10), buf.getLong(at + 18),
                    buf.getLong(at + 26)));
            buf.position(at + ENTRY_SIZE);
            valid = at + ENTRY_SIZE;
        }
        if (valid < size) {
            log.warn("{}: cutting {} bytes of torn or unknown entries", file, size - valid);
            channel.truncate(valid);
        }
    }

    Path file() {
        return file;
    }

    /**
     * Adds an entry (creating the file if needed): appended when its marker is after the last entry's, as it always is
     * for a live append; otherwise (recovery re-adding an entry lost from the middle) inserted in order and the file
     * rewritten from that point.
     */
    synchronized void append(AbortedTxn txn) throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        int at = entries.size();
        while (at > 0 && entries.get(at - 1).lastOffset() >= txn.lastOffset()) {
            at--;
        }
        entries.add(at, txn);
        ByteBuffer buf = ByteBuffer.allocate((entries.size() - at) * ENTRY_SIZE);
        for (AbortedTxn t : entries.subList(at, entries.size())) {
            buf.putShort(VERSION).putLong(t.producerId()).putLong(t.firstOffset()).putLong(t.lastOffset())
                    .putLong(t.lastStableOffset());
        }
        buf.flip();
        long pos = (long) at * ENTRY_SIZE;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    /** Whether an entry for the marker at {@code lastOffset} exists. */
    synchronized boolean containsMarker(long lastOffset) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            long last = entries.get(i).lastOffset();
            if (last == lastOffset) {
                return true;
            }
            if (last < lastOffset) {
                return false;
            }
        }
        return false;
    }

    /** Removes the entries whose marker is at or after {@code offset}. */
    synchronized void truncateTo(long offset) throws IOException {
        int keep = entries.size();
        while (keep > 0 && entries.get(keep - 1).lastOffset() >= offset) {
            keep--;
        }
        if (keep == entries.size()) {
            return;
        }
        entries.subList(keep, entries.size()).clear();
        if (channel != null) {
            channel.truncate((long) keep * ENTRY_SIZE);
        }
    }

    synchronized List<AbortedTxn> entries() {
        return List.copyOf(entries);
    }

    /**
     * Adds to {@code out} the aborted transactions overlapping [fetchOffset, upperBoundOffset): marker at or after
     * fetchOffset, first offset below upperBoundOffset.
     *
     * @return true if the search is complete: an entry's last stable offset reached the upper bound, so no later
     *         segment holds a transaction starting below it
     */
    synchronized boolean collect(long fetchOffset, long upperBoundOffset, List<AbortedTxn> out) {
        for (AbortedTxn t : entries) {
            if (t.lastOffset() >= fetchOffset && t.firstOffset() < upperBoundOffset) {
                out.add(t);
            }
            if (t.lastStableOffset() >= upperBoundOffset) {
                return true;
            }
        }
        return false;
    }

    synchronized void flush() throws IOException {
        if (channel != null) {
            try {
                channel.force(true);
            } catch (ClosedChannelException e) {
                // closed with its segment: nothing left to flush
            }
        }
    }

    /** Renames the file (if there is one) and remembers the new name for a file created later. */
    synchronized void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    synchronized void deleteIfExists() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public String toString() {
        return "TransactionIndex(" + baseOffset + ")";
    }
}
