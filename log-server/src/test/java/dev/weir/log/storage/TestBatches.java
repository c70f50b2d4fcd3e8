package dev.weir.log.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Writes and decodes uncompressed v2 record batches by hand, as a producer would send them. */
final class TestBatches {

    /** A decoded record. */
    record TestRecord(long offset, long timestamp, String value) {
    }

    private TestBatches() {
    }

    /** A batch of {@code count} records without producer id; record i has timestamp {@code baseTimestamp + i}. */
    static ByteBuffer batch(int count, long baseTimestamp) {
        return batch(count, -1L, (short) -1, -1, baseTimestamp, 10);
    }

    static ByteBuffer idempotent(int count, long producerId, short epoch, int baseSequence, long baseTimestamp) {
        return batch(count, producerId, epoch, baseSequence, baseTimestamp, 10);
    }

    /**
     * @param valueSize bytes per record value (values are "v<i>" padded with '.')
     */
    static ByteBuffer batch(int count, long producerId, short epoch, int baseSequence, long baseTimestamp,
                            int valueSize) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            StringBuilder v = new StringBuilder("v" + i);
            while (v.length() < valueSize) {
                v.append('.');
            }
            byte[] value = v.toString().getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(0); // attributes
            writeVarlong(body, i); // timestamp delta
            writeVarint(body, i); // offset delta
            writeVarint(body, -1); // null key
            writeVarint(body, value.length);
            body.writeBytes(value);
            writeVarint(body, 0); // headers
            writeVarint(records, body.size());
            records.writeBytes(body.toByteArray());
        }
        byte[] recordBytes = records.toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(RecordBatchHeader.HEADER_SIZE + recordBytes.length);
        buf.putLong(987_654_321L); // client garbage: the broker assigns offsets
        buf.putInt(buf.capacity() - RecordBatchHeader.LOG_OVERHEAD);
        buf.putInt(-1);
        buf.put(RecordBatchHeader.MAGIC_V2);
        buf.putInt(0); // crc, below
        buf.putShort((short) 0);
        buf.putInt(count - 1);
        buf.putLong(baseTimestamp);
        buf.putLong(baseTimestamp + count - 1);
        buf.putLong(producerId);
        buf.putShort(epoch);
        buf.putInt(baseSequence);
        buf.putInt(count);
        buf.put(recordBytes);
        buf.flip();
        fixCrc(buf, 0);
        return buf;
    }

    /** Rewrites the CRC of the batch at {@code position} after a test modified it. */
    static void fixCrc(ByteBuffer buf, int position) {
        int size = RecordBatchHeader.LOG_OVERHEAD + buf.getInt(position + RecordBatchHeader.BATCH_LENGTH_OFFSET);
        buf.putInt(position + RecordBatchHeader.CRC_OFFSET, (int) RecordBatchHeader.computeCrc(buf, position, size));
    }

    /** An idempotent batch with the transactional attribute (bit 4) set. */
    static ByteBuffer transactional(int count, long producerId, short epoch, int baseSequence, long baseTimestamp) {
        return withAttributes(idempotent(count, producerId, epoch, baseSequence, baseTimestamp),
                RecordBatchHeader.TRANSACTIONAL_FLAG_MASK);
    }

    /** Sets attribute bits of the single batch in {@code buf} and fixes its CRC. */
    static ByteBuffer withAttributes(ByteBuffer buf, int bits) {
        short a = buf.getShort(RecordBatchHeader.ATTRIBUTES_OFFSET);
        buf.putShort(RecordBatchHeader.ATTRIBUTES_OFFSET, (short) (a | bits));
        fixCrc(buf, 0);
        return buf;
    }

    /**
     * An end-transaction marker batch, written by hand in Kafka's format: transactional control batch with one record,
     * key {@code version int16 0 | type int16 (0 abort, 1 commit)}, value {@code version int16 0 | coordinatorEpoch int32}.
     */
    static ByteBuffer marker(long producerId, short epoch, boolean commit, int coordinatorEpoch, long timestamp) {
        ByteBuffer key = ByteBuffer.allocate(4).putShort((short) 0).putShort((short) (commit ? 1 : 0));
        ByteBuffer value = ByteBuffer.allocate(6).putShort((short) 0).putInt(coordinatorEpoch);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0); // attributes
        writeVarlong(body, 0); // timestamp delta
        writeVarint(body, 0); // offset delta
        writeVarint(body, 4);
        body.writeBytes(key.array());
        writeVarint(body, 6);
        body.writeBytes(value.array());
        writeVarint(body, 0); // headers
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        writeVarint(record, body.size());
        record.writeBytes(body.toByteArray());
        byte[] recordBytes = record.toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(RecordBatchHeader.HEADER_SIZE + recordBytes.length);
        buf.putLong(0L);
        buf.putInt(buf.capacity() - RecordBatchHeader.LOG_OVERHEAD);
        buf.putInt(-1);
        buf.put(RecordBatchHeader.MAGIC_V2);
        buf.putInt(0);
        buf.putShort((short) (RecordBatchHeader.TRANSACTIONAL_FLAG_MASK | RecordBatchHeader.CONTROL_FLAG_MASK));
        buf.putInt(0);
        buf.putLong(timestamp);
        buf.putLong(timestamp);
        buf.putLong(producerId);
        buf.putShort(epoch);
        buf.putInt(-1);
        buf.putInt(1);
        buf.put(recordBytes);
        buf.flip();
        fixCrc(buf, 0);
        return buf;
    }

    static ByteBuffer concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            out.put(b.duplicate());
        }
        return out.flip();
    }

    /** Reads the bytes of a slice. */
    static ByteBuffer readSlice(FileSlice slice) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(slice.size());
        while (buf.hasRemaining()) {
            if (slice.channel().read(buf, slice.position() + buf.position()) < 0) {
                throw new IOException("slice beyond end of file");
            }
        }
        return buf.flip();
    }

    /** Headers of the batches in {@code buf}, which must hold whole batches. */
    static List<RecordBatchHeader> headers(ByteBuffer buf) {
        List<RecordBatchHeader> headers = new ArrayList<>();
        int pos = buf.position();
        while (pos < buf.limit()) {
            RecordBatchHeader h = RecordBatchHeader.parse(buf, pos);
            headers.add(h);
            pos += h.sizeInBytes();
        }
        return headers;
    }

    /** Decodes every record of the uncompressed batches in {@code buf}, checking their CRCs. */
    static List<TestRecord> decode(ByteBuffer buf) {
        List<TestRecord> out = new ArrayList<>();
        int pos = buf.position();
        while (pos < buf.limit()) {
            RecordBatchHeader h = RecordBatchHeader.parse(buf, pos);
            if (!h.isCrcValid(buf, pos)) {
                throw new AssertionError("bad CRC in batch at offset " + h.baseOffset());
            }
            ByteBuffer r = buf.duplicate();
            r.position(pos + RecordBatchHeader.HEADER_SIZE).limit(pos + h.sizeInBytes());
            for (int i = 0; i < h.recordsCount(); i++) {
                readVarint(r); // length
                r.get(); // attributes
                long tsDelta = readVarlong(r);
                int offsetDelta = readVarint(r);
                int keyLen = readVarint(r);
                if (keyLen > 0) {
                    r.position(r.position() + keyLen);
                }
                int valueLen = readVarint(r);
                byte[] value = new byte[valueLen];
                r.get(value);
                readVarint(r); // headers
                long ts = h.isLogAppendTime() ? h.maxTimestamp() : h.baseTimestamp() + tsDelta;
                out.add(new TestRecord(h.baseOffset() + offsetDelta, ts, new String(value, StandardCharsets.UTF_8)));
            }
            pos += h.sizeInBytes();
        }
        return out;
    }

    /** A {@link BatchRecordScanner} for uncompressed test batches. */
    static final BatchRecordScanner SCANNER = new BatchRecordScanner() {
        @Override
        public Optional<TimestampOffset> firstAtOrAfter(ByteBuffer batch, long targetTimestamp, long minOffset) {
            return decode(batch).stream()
                    .filter(r -> r.timestamp() >= targetTimestamp && r.offset() >= minOffset)
                    .findFirst().map(r -> new TimestampOffset(r.timestamp(), r.offset()));
        }

        @Override
        public Optional<TimestampOffset> maxTimestampRecord(ByteBuffer batch) {
            TestRecord best = null;
            for (TestRecord r : decode(batch)) {
                if (best == null || r.timestamp() > best.timestamp()) {
                    best = r;
                }
            }
            return Optional.ofNullable(best).map(r -> new TimestampOffset(r.timestamp(), r.offset()));
        }
    };

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        writeVarlong(out, value);
    }

    private static void writeVarlong(ByteArrayOutputStream out, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static int readVarint(ByteBuffer in) {
        return (int) readVarlong(in);
    }

    private static long readVarlong(ByteBuffer in) {
        long raw = 0;
        int shift = 0;
        byte b;
        do {
            b = in.get();
            raw |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return (raw >>> 1) ^ -(raw & 1);
    }
}
