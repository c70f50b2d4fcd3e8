package dev.weir.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Keyed record batches for compaction tests, written and read with kafka-clients (tests may use it freely). */
final class KeyedBatches {

    /** A decoded record; value null for a tombstone, key null for a keyless record. */
    record KeyedRecord(long offset, String key, String value) {
    }

    /** A stored batch as the cleaner left it. */
    record StoredBatch(long baseOffset, long lastOffset, int records, long producerId, boolean hasDeleteHorizon) {
    }

    private KeyedBatches() {
    }

    /** One uncompressed batch; {@code keyValues} alternate key and value (either may be null). */
    static ByteBuffer batch(long timestamp, String... keyValues) {
        return MemoryRecords.withRecords(Compression.NONE, records(timestamp, keyValues)).buffer();
    }

    static ByteBuffer gzipBatch(long timestamp, String... keyValues) {
        return MemoryRecords.withRecords(Compression.gzip().build(), records(timestamp, keyValues)).buffer();
    }

    static ByteBuffer idempotentBatch(long producerId, short epoch, int baseSequence, long timestamp,
                                      String... keyValues) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence,
                records(timestamp, keyValues)).buffer();
    }

    private static SimpleRecord[] records(long timestamp, String... keyValues) {
        SimpleRecord[] out = new SimpleRecord[keyValues.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = new SimpleRecord(timestamp, bytes(keyValues[2 * i]), bytes(keyValues[2 * i + 1]));
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** Every record of the log from its start, in offset order, read through {@link PartitionLog#read}. */
    static List<KeyedRecord> readAll(PartitionLog log) throws IOException {
        List<KeyedRecord> out = new ArrayList<>();
        for (MutableRecordBatch batch : readBatches(log)) {
            for (Record r : batch) {
                out.add(new KeyedRecord(r.offset(), r.hasKey() ? string(r.key()) : null,
                        r.hasValue() ? string(r.value()) : null));
            }
        }
        return out;
    }

    static List<StoredBatch> storedBatches(PartitionLog log) throws IOException {
        List<StoredBatch> out = new ArrayList<>();
        for (MutableRecordBatch b : readBatches(log)) {
            int count = 0;
            for (Record ignored : b) {
                count++;
            }
            out.add(new StoredBatch(b.baseOffset(), b.lastOffset(), count, b.producerId(),
                    b.deleteHorizonMs().isPresent()));
        }
        return out;
    }

    private static List<MutableRecordBatch> readBatches(PartitionLog log) throws IOException {
        List<MutableRecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            LogReadInfo info = log.read(next, Integer.MAX_VALUE, Long.MAX_VALUE, true);
            ByteBuffer bytes = TestBatches.readSlice(info.records());
            if (!bytes.hasRemaining()) {
                throw new AssertionError("read at " + next + " returned nothing before the log end " + log.logEndOffset());
            }
            for (MutableRecordBatch b : MemoryRecords.readableRecords(bytes).batches()) {
                b.ensureValid();
                if (b.lastOffset() >= next) {
                    out.add(b);
                    next = b.lastOffset() + 1;
                }
            }
        }
        return out;
    }
}
