package dev.weir.log.storage;

import org.apache.kafka.common.errors.CorruptRecordException;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * An end-transaction marker read from a control batch, parsed by hand like {@link RecordBatchHeader}.
 *
 * <p>A marker batch is uncompressed, transactional and control, and holds one record (Kafka's format, big-endian
 * fixed fields, zig-zag varints):
 * <pre>
 * record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *         | keyLength varint | key | valueLength varint | value | headerCount varint
 * key:    version int16 (0) | type int16 (0 = ABORT, 1 = COMMIT; other types are not transaction markers)
 * value:  version int16 (0) | coordinatorEpoch int32
 * </pre>
 * Immutable.
 *
 * @param commit           true for COMMIT, false for ABORT
 * @param coordinatorEpoch epoch of the transaction coordinator that wrote it (fences zombie coordinators)
 */
public record TxnMarker(boolean commit, int coordinatorEpoch) {

    public static final short ABORT = 0;
    public static final short COMMIT = 1;

    /** Bytes a marker batch takes at most in practice: enough to read one from a file in one go. */
    static final int MAX_MARKER_BATCH_BYTES = 256;

    /**
     * The marker in the control batch at {@code position} of {@code buffer} (whose header is {@code header}), or empty
     * for a control batch of another type.
     *
     * @throws CorruptRecordException if the batch is not a well-formed marker batch
     */
    public static Optional<TxnMarker> parse(ByteBuffer buffer, int position, RecordBatchHeader header) {
        if (!header.isControl()) {
            return Optional.empty();
        }
        if (header.compressionCodec() != 0 || header.recordsCount() != 1) {
            throw new CorruptRecordException("control batch at offset " + header.baseOffset()
                    + " must hold one uncompressed record, has " + header.recordsCount() + " (codec "
                    + header.compressionCodec() + ")");
        }
        try {
            Reader r = new Reader(buffer, position + RecordBatchHeader.HEADER_SIZE,
                    Math.min(buffer.limit(), position + header.sizeInBytes()));
            r.varint(); // record length
            r.get(); // attributes
            r.varlong(); // timestamp delta
            r.varint(); // offset delta
            int keyLength = r.varint();
            if (keyLength < 4) {
                throw new CorruptRecordException("control record key of " + keyLength + " bytes");
            }
            int keyStart = r.pos;
            r.getShort(); // key version
            short type = r.getShort();
            r.pos = keyStart + keyLength;
            if (type != ABORT && type != COMMIT) {
                return Optional.empty();
            }
            int valueLength = r.varint();
            if (valueLength < 6) {
                throw new CorruptRecordException("end transaction marker value of " + valueLength + " bytes");
            }
            r.getShort(); // value version
            int coordinatorEpoch = r.getInt();
            return Optional.of(new TxnMarker(type == COMMIT, coordinatorEpoch));
        } catch (IndexOutOfBoundsException e) {
            throw new CorruptRecordException("truncated control record in batch at offset " + header.baseOffset());
        }
    }

    /** Bounds-checked sequential reads with absolute gets. */
    private static final class Reader {
        private final ByteBuffer buf;
        private final int limit;
        int pos;

        Reader(ByteBuffer buf, int pos, int limit) {
            this.buf = buf;
            this.pos = pos;
            this.limit = limit;
        }

        private void need(int n) {
            if (pos + n > limit) {
                throw new IndexOutOfBoundsException();
            }
        }

        byte get() {
            need(1);
            return buf.get(pos++);
        }

        short getShort() {
            need(2);
            short v = buf.getShort(pos);
            pos += 2;
            return v;
        }

        int getInt() {
            need(4);
            int v = buf.getInt(pos);
            pos += 4;
            return v;
        }

        int varint() {
            long v = varlong();
            return (int) v;
        }

        long varlong() {
            long raw = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = get();
                raw |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new CorruptRecordException("varint too long");
        }
    }
}
