package dev.weir.log.storage;

import org.apache.kafka.common.errors.CorruptRecordException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The 61-byte header of a Kafka record batch, magic v2, the on-disk and on-wire format (big-endian):
 * <pre>
 * offset  size  field
 *  0      8     baseOffset            (not covered by the CRC: the broker assigns it)
 *  8      4     batchLength           (bytes after this field)
 * 12      4     partitionLeaderEpoch  (not covered by the CRC: the broker assigns it)
 * 16      1     magic                 (2)
 * 17      4     crc                   (CRC32C of bytes 21 to the end of the batch)
 * 21      2     attributes            (bits 0-2 codec, 3 LogAppendTime, 4 transactional, 5 control, 6 deleteHorizon)
 * 23      4     lastOffsetDelta
 * 27      8     baseTimestamp
 * 35      8     maxTimestamp
 * 43      8     producerId
 * 51      2     producerEpoch
 * 53      4     baseSequence
 * 57      4     recordsCount
 * 61            records...
 * </pre>
 * Parsing reads with absolute gets and never moves the buffer's position. The static {@code set...} methods are
 * the only in-place rewrites the broker performs. Immutable and thread-safe.
 */
public record RecordBatchHeader(long baseOffset, int batchLength, int partitionLeaderEpoch, byte magic, long crc,
                                short attributes, int lastOffsetDelta, long baseTimestamp, long maxTimestamp,
                                long producerId, short producerEpoch, int baseSequence, int recordsCount) {

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BATCH_LENGTH_OFFSET = 8;
    /** Size of baseOffset + batchLength: a batch occupies {@code LOG_OVERHEAD + batchLength} bytes. */
    public static final int LOG_OVERHEAD = 12;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORDS_COUNT_OFFSET = 57;
    public static final int HEADER_SIZE = 61;

    public static final byte MAGIC_V2 = 2;
    public static final int COMPRESSION_CODEC_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    public static final int CONTROL_FLAG_MASK = 0x20;
    public static final int DELETE_HORIZON_FLAG_MASK = 0x40;
    /** Highest compression codec id Kafka defines (zstd). */
    public static final int MAX_COMPRESSION_CODEC = 4;
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final long NO_TIMESTAMP = -1L;

    /**
     * Parses the header of the batch starting at {@code position}. The magic byte is not checked: read
     * {@link #magic()} before trusting fields beyond it.
     *
     * @throws CorruptRecordException if fewer than {@link #HEADER_SIZE} bytes remain before the limit
     */
    public static RecordBatchHeader parse(ByteBuffer buffer, int position) {
        if (position < 0 || buffer.limit() - position < HEADER_SIZE) {
            throw new CorruptRecordException("record batch header truncated: " + (buffer.limit() - position)
                    + " bytes left at position " + position + ", need " + HEADER_SIZE);
        }
        return new RecordBatchHeader(
                buffer.getLong(position + BASE_OFFSET_OFFSET),
                buffer.getInt(position + BATCH_LENGTH_OFFSET),
                buffer.getInt(position + PARTITION_LEADER_EPOCH_OFFSET),
                buffer.get(position + MAGIC_OFFSET),
                Integer.toUnsignedLong(buffer.getInt(position + CRC_OFFSET)),
                buffer.getShort(position + ATTRIBUTES_OFFSET),
                buffer.getInt(position + LAST_OFFSET_DELTA_OFFSET),
                buffer.getLong(position + BASE_TIMESTAMP_OFFSET),
                buffer.getLong(position + MAX_TIMESTAMP_OFFSET),
                buffer.getLong(position + PRODUCER_ID_OFFSET),
                buffer.getShort(position + PRODUCER_EPOCH_OFFSET),
                buffer.getInt(position + BASE_SEQUENCE_OFFSET),
                buffer.getInt(position + RECORDS_COUNT_OFFSET));
    }

    /** Parses the header at the buffer's position. */
    public static RecordBatchHeader parse(ByteBuffer buffer) {
        return parse(buffer, buffer.position());
    }

    /** Total bytes of the batch, header included. */
    public int sizeInBytes() {
        return LOG_OVERHEAD + batchLength;
    }

    public long lastOffset() {
        return baseOffset + lastOffsetDelta;
    }

    public int compressionCodec() {
        return attributes & COMPRESSION_CODEC_MASK;
    }

    public boolean isLogAppendTime() {
        return (attributes & TIMESTAMP_TYPE_MASK) != 0;
    }

    public boolean isTransactional() {
        return (attributes & TRANSACTIONAL_FLAG_MASK) != 0;
    }

    public boolean isControl() {
        return (attributes & CONTROL_FLAG_MASK) != 0;
    }

    public boolean hasDeleteHorizonMs() {
        return (attributes & DELETE_HORIZON_FLAG_MASK) != 0;
    }

    public boolean hasProducerId() {
        return producerId > NO_PRODUCER_ID;
    }

    /** Sequence number of the last record, wrapping past Integer.MAX_VALUE to 0 as producers do. */
    public int lastSequence() {
        return incrementSequence(baseSequence, lastOffsetDelta);
    }

    public static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }

    /**
     * @param buffer the buffer holding this batch starting at {@code position}, at least {@link #sizeInBytes()} long
     * @return whether the stored CRC matches the batch content
     */
    public boolean isCrcValid(ByteBuffer buffer, int position) {
        return position + sizeInBytes() <= buffer.limit() && batchLength >= HEADER_SIZE - LOG_OVERHEAD
                && computeCrc(buffer, position, sizeInBytes()) == crc;
    }

    /** {@link #isCrcValid(ByteBuffer, int)} for a batch starting at the buffer's position. */
    public boolean isCrcValid(ByteBuffer buffer) {
        return isCrcValid(buffer, buffer.position());
    }

    /** CRC32C of the CRC-covered part (attributes to end) of the {@code size}-byte batch at {@code position}. */
    public static long computeCrc(ByteBuffer buffer, int position, int size) {
        ByteBuffer covered = buffer.duplicate();
        covered.limit(position + size).position(position + ATTRIBUTES_OFFSET);
        CRC32C crc = new CRC32C();
        crc.update(covered);
        return crc.getValue();
    }

    public static void setBaseOffset(ByteBuffer buffer, int position, long baseOffset) {
        buffer.putLong(position + BASE_OFFSET_OFFSET, baseOffset);
    }

    public static void setPartitionLeaderEpoch(ByteBuffer buffer, int position, int epoch) {
        buffer.putInt(position + PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    /**
     * Marks the batch at {@code position} as LogAppendTime with {@code timestamp} as its max timestamp (readers
     * then report it for every record, as Kafka's DefaultRecordBatch does) and rewrites the CRC.
     */
    public static void setLogAppendTime(ByteBuffer buffer, int position, long timestamp) {
        short attributes = buffer.getShort(position + ATTRIBUTES_OFFSET);
        if ((attributes & TIMESTAMP_TYPE_MASK) != 0 && buffer.getLong(position + MAX_TIMESTAMP_OFFSET) == timestamp) {
            return;
        }
        buffer.putShort(position + ATTRIBUTES_OFFSET, (short) (attributes | TIMESTAMP_TYPE_MASK));
        buffer.putLong(position + MAX_TIMESTAMP_OFFSET, timestamp);
        int size = LOG_OVERHEAD + buffer.getInt(position + BATCH_LENGTH_OFFSET);
        buffer.putInt(position + CRC_OFFSET, (int) computeCrc(buffer, position, size));
    }
}
