package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Record batches of Weir's internal key/value topics (such as {@code __consumer_offsets}): builds one
 * uncompressed v2 batch from keys and values for an append through the partition leader, and walks
 * the records of batches read back from a log. Values may be null (tombstones). Transactional batches
 * (offsets committed inside a transaction) and the COMMIT/ABORT markers that end them can be built
 * and walked too. Stateless.
 */
public final class KeyValueBatches {
    private KeyValueBatches() {}

    /** One record to write; {@code value == null} is a tombstone. */
    public record Entry(byte[] key, byte[] value) {}

    /** One record read back, with its offset. */
    public record Read(long offset, ByteBuffer key, ByteBuffer value) {}

    /** Receives the records of {@link #forEach}. */
    @FunctionalInterface
    public interface Visitor {
        void accept(Read record);
    }

    /**
     * Receives data records with the producer of their batch, and COMMIT/ABORT markers, in log order
     * ({@link #forEachWithMarkers}).
     */
    public interface TransactionalVisitor {
        /** A data record; {@code transactional} is the batch's flag, {@code producerId} -1 without a producer. */
        void record(Read record, long producerId, short producerEpoch, boolean transactional);

        /** A COMMIT ({@code committed}) or ABORT control record at {@code offset}. */
        void marker(long offset, long producerId, short producerEpoch, boolean committed);
    }

    /**
     * One uncompressed transactional batch of producer {@code producerId} at {@code producerEpoch}, its first
     * record at sequence {@code baseSequence}: the records belong to that producer's open transaction.
     */
    public static ByteBuffer transactionalBatch(List<Entry> entries, long timestampMs, long producerId,
                                                short producerEpoch, int baseSequence) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, producerEpoch, baseSequence,
                records(entries, timestampMs)).buffer();
    }

    private static SimpleRecord[] records(List<Entry> entries, long timestampMs) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one record");
        }
        SimpleRecord[] records = new SimpleRecord[entries.size()];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(timestampMs, entries.get(i).key(), entries.get(i).value());
        }
        return records;
    }

    /**
     * Like {@link #forEach} but also reports each record's producer and transactional flag, and the
     * COMMIT/ABORT markers of control batches (other control records are skipped).
     */
    public static long forEachWithMarkers(ByteBuffer batches, long minOffset, TransactionalVisitor visitor) {
        long next = minOffset;
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.slice()).batches()) {
            batch.ensureValid();
            next = Math.max(next, batch.nextOffset());
            for (Record r : batch) {
                if (r.offset() < minOffset) {
                    continue;
                }
                if (batch.isControlBatch()) {
                    if (!r.hasKey()) {
                        continue;
                    }
                    ControlRecordType type = ControlRecordType.parse(r.key());
                    if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                        visitor.marker(r.offset(), batch.producerId(), batch.producerEpoch(),
                                type == ControlRecordType.COMMIT);
                    }
                } else if (r.hasKey()) {
                    visitor.record(new Read(r.offset(), r.key(), r.hasValue() ? r.value() : null), batch.producerId(),
                            batch.producerEpoch(), batch.isTransactional());
                }
            }
        }
        return next;
    }

    /** One uncompressed batch holding {@code entries} in order, all stamped with {@code timestampMs}. */
    public static ByteBuffer batch(List<Entry> entries, long timestampMs) {
        return MemoryRecords.withRecords(Compression.NONE, records(entries, timestampMs)).buffer();
    }

    /**
     * Visits every data record at or above {@code minOffset} in {@code batches} (whole v2 batches, as a
     * log read returns them; compressed ones are decompressed, control batches skipped).
     *
     * @return the offset after the last batch seen, or {@code minOffset} if there was none
     * @throws org.apache.kafka.common.errors.CorruptRecordException if a batch fails its CRC check
     */
    public static long forEach(ByteBuffer batches, long minOffset, Visitor visitor) {
        long next = minOffset;
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.slice()).batches()) {
            batch.ensureValid();
            next = Math.max(next, batch.nextOffset());
            if (batch.isControlBatch()) {
                continue;
            }
            for (Record r : batch) {
                if (r.offset() >= minOffset && r.hasKey()) {
                    visitor.accept(new Read(r.offset(), r.key(), r.hasValue() ? r.value() : null));
                }
            }
        }
        return next;
    }
}
