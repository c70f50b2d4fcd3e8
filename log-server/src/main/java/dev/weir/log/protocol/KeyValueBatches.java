package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Record batches of Weir's internal key/value topics (such as {@code __consumer_offsets}): builds one
 * uncompressed v2 batch from keys and values for an append through the partition leader, and walks
 * the records of batches read back from a log. Values may be null (tombstones). Stateless.
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

    /** One uncompressed batch holding {@code entries} in order, all stamped with {@code timestampMs}. */
    public static ByteBuffer batch(List<Entry> entries, long timestampMs) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one record");
        }
        SimpleRecord[] records = new SimpleRecord[entries.size()];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(timestampMs, entries.get(i).key(), entries.get(i).value());
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
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
