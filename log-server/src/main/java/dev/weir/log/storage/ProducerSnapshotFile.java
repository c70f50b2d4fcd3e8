package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Producer state snapshot files {@code <20-digit offset>.snapshot} in the partition directory; the offset is the
 * log offset the state reflects (exclusive).
 *
 * <p>Format (big-endian): {@code version int16 | crc uint32 | producerCount int32 | producers...}, each producer
 * <ul>
 *   <li>version 2 (written): {@code producerId int64 | epoch int16 | coordinatorEpoch int32 |
 *       currentTxnFirstOffset int64 (-1: no ongoing transaction) | lastTimestamp int64 | batchCount int32 |
 *       batches...};</li>
 *   <li>version 1 (still read; from before transactions): {@code producerId int64 | epoch int16 | batchCount int32 |
 *       batches...}, read as no coordinator epoch, no ongoing transaction;</li>
 * </ul>
 * each batch {@code firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64 | timestamp int64}. The
 * CRC32C covers everything after the crc field. Written atomically (temp file + rename); a file failing its CRC or
 * of an unknown version is ignored. Stateless; static methods only.
 */
final class ProducerSnapshotFile {

    private static final Logger log = LoggerFactory.getLogger(ProducerSnapshotFile.class);
    private static final short VERSION_1 = 1;
    static final short VERSION = 2;
    private static final int HEADER_SIZE = 2 + 4 + 4;
    private static final int PRODUCER_SIZE = 8 + 2 + 4 + 8 + 8 + 4;
    private static final int BATCH_SIZE = 4 + 4 + 8 + 8 + 8;

    /** A loaded snapshot. */
    record Snapshot(long offset, Map<Long, ProducerStateEntry> entries) {
    }

    private ProducerSnapshotFile() {
    }

    static void write(Path dir, long offset, Map<Long, ProducerStateEntry> entries) throws IOException {
        int size = HEADER_SIZE;
        for (ProducerStateEntry e : entries.values()) {
            size += PRODUCER_SIZE + e.batches().size() * BATCH_SIZE;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putShort(VERSION).putInt(0).putInt(entries.size());
        for (ProducerStateEntry e : entries.values()) {
            buf.putLong(e.producerId()).putShort(e.epoch()).putInt(e.coordinatorEpoch())
                    .putLong(e.currentTxnFirstOffset()).putLong(e.lastTimestamp()).putInt(e.batches().size());
            for (BatchMetadata b : e.batches()) {
                buf.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.lastOffset())
                        .putLong(b.timestamp());
            }
        }
        buf.putInt(2, (int) crc(buf.array(), size));
        buf.flip();
        Checkpoints.writeAtomically(LogFileNames.snapshotFile(dir, offset), buf);
    }

    /** Offsets of the snapshot files in {@code dir}, ascending. */
    static List<Long> offsets(Path dir) throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> LogFileNames.offsetOf(f, LogFileNames.SNAPSHOT_SUFFIX).ifPresent(offsets::add));
        }
        offsets.sort(Comparator.naturalOrder());
        return offsets;
    }

    /** The newest readable snapshot at or below {@code maxOffset}; unreadable ones are deleted. */
    static Optional<Snapshot> loadLatest(Path dir, long maxOffset) throws IOException {
        List<Long> offsets = offsets(dir);
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long offset = offsets.get(i);
            if (offset > maxOffset) {
                continue;
            }
            Path file = LogFileNames.snapshotFile(dir, offset);
            Optional<Map<Long, ProducerStateEntry>> entries = read(file);
            if (entries.isPresent()) {
                return Optional.of(new Snapshot(offset, entries.get()));
            }
            log.warn("Producer state snapshot {} is corrupt; deleting it and using an older one", file);
            Files.deleteIfExists(file);
        }
        return Optional.empty();
    }

    private static Optional<Map<Long, ProducerStateEntry>> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER_SIZE) {
            return Optional.empty();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        short version = buf.getShort(0);
        if ((version != VERSION && version != VERSION_1)
                || Integer.toUnsignedLong(buf.getInt(2)) != crc(bytes, bytes.length)) {
            return Optional.empty();
        }
        buf.position(HEADER_SIZE);
        int count = buf.getInt(6);
        Map<Long, ProducerStateEntry> entries = new HashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                long pid = buf.getLong();
                short epoch = buf.getShort();
                int coordinatorEpoch = ProducerStateEntry.NO_COORDINATOR_EPOCH;
                long txnFirstOffset = ProducerStateEntry.NO_TXN;
                long lastTimestamp = RecordBatchHeader.NO_TIMESTAMP;
                if (version >= VERSION) {
                    coordinatorEpoch = buf.getInt();
                    txnFirstOffset = buf.getLong();
                    lastTimestamp = buf.getLong();
                }
                int batchCount = buf.getInt();
                List<BatchMetadata> batches = new ArrayList<>(batchCount);
                for (int j = 0; j < batchCount; j++) {
                    batches.add(new BatchMetadata(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(), buf.getLong()));
                }
                entries.put(pid, version >= VERSION
                        ? new ProducerStateEntry(pid, epoch, batches, coordinatorEpoch, txnFirstOffset, lastTimestamp)
                        : new ProducerStateEntry(pid, epoch, batches));
            }
        } catch (java.nio.BufferUnderflowException e) {
            return Optional.empty();
        }
        return Optional.of(entries);
    }

    /** Deletes the snapshots with offset in [from, to). */
    static void deleteRange(Path dir, long from, long to) throws IOException {
        for (long offset : offsets(dir)) {
            if (offset >= from && offset < to) {
                Files.deleteIfExists(LogFileNames.snapshotFile(dir, offset));
            }
        }
    }

    private static long crc(byte[] bytes, int size) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 6, size - 6);
        return crc.getValue();
    }
}
