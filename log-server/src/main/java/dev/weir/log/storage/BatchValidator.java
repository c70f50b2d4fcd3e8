package dev.weir.log.storage;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks record batches received for append before anything is written, so an append is all or nothing.
 * Only headers and CRCs are checked; records themselves are opaque to storage. Stateless.
 */
final class BatchValidator {

    private BatchValidator() {
    }

    /**
     * Validates the batches a producer sent (Kafka's LogValidator rules that need no record decoding).
     *
     * @return the headers, in order
     */
    static List<RecordBatchHeader> validateForLeader(ByteBuffer records, LogConfig config, AppendOrigin origin) {
        List<RecordBatchHeader> headers = validateFraming(records, config.maxMessageBytes());
        for (RecordBatchHeader h : headers) {
            if (h.recordsCount() <= 0) {
                throw new InvalidRecordException("Record batch has an invalid record count " + h.recordsCount());
            }
            if (h.lastOffsetDelta() != h.recordsCount() - 1) {
                throw new InvalidRecordException("Inconsistent record batch: last offset delta "
                        + h.lastOffsetDelta() + " but " + h.recordsCount() + " records");
            }
            if (h.isControl() && origin != AppendOrigin.COORDINATOR) {
                throw new InvalidRecordException("Clients are not allowed to write control records");
            }
            if (h.isControl() && (!h.isTransactional() || !h.hasProducerId())) {
                throw new InvalidRecordException("Control batch at offset " + h.baseOffset()
                        + " must be transactional and carry a producer id");
            }
            if (h.isTransactional() && !h.hasProducerId()) {
                throw new InvalidRecordException("Transactional record batch at offset " + h.baseOffset()
                        + " has no producer id");
            }
            if (h.hasProducerId() && h.baseSequence() < 0 && !h.isControl()) {
                throw new InvalidRecordException("Invalid sequence number " + h.baseSequence()
                        + " in record batch with producerId " + h.producerId());
            }
        }
        checkTotalSize(records, config);
        return headers;
    }

    /**
     * Validates replicated batches: framing, CRC and offsets at or above {@code logEndOffset}, increasing.
     */
    static List<RecordBatchHeader> validateForFollower(ByteBuffer records, long logEndOffset, LogConfig config) {
        List<RecordBatchHeader> headers = validateFraming(records, Integer.MAX_VALUE);
        long next = logEndOffset;
        for (RecordBatchHeader h : headers) {
            if (h.baseOffset() < next || h.lastOffsetDelta() < 0) {
                throw new InvalidRecordException("Out of order offsets in replicated batch [" + h.baseOffset()
                        + ", " + h.lastOffset() + "]: expected offsets from " + next);
            }
            next = h.lastOffset() + 1;
        }
        checkTotalSize(records, config);
        return headers;
    }

    private static void checkTotalSize(ByteBuffer records, LogConfig config) {
        if (records.remaining() > config.segmentBytes()) {
            throw new RecordBatchTooLargeException("Append of " + records.remaining()
                    + " bytes exceeds segment.bytes " + config.segmentBytes());
        }
    }

    private static List<RecordBatchHeader> validateFraming(ByteBuffer records, int maxBatchBytes) {
        List<RecordBatchHeader> headers = new ArrayList<>();
        int pos = records.position();
        int limit = records.limit();
        while (pos < limit) {
            int left = limit - pos;
            if (left > RecordBatchHeader.MAGIC_OFFSET) {
                byte magic = records.get(pos + RecordBatchHeader.MAGIC_OFFSET);
                if (magic != RecordBatchHeader.MAGIC_V2) {
                    throw new UnsupportedForMessageFormatException("Record batch magic " + magic
                            + " is not supported: only v2 batches (Kafka clients 0.11 and later) are accepted");
                }
            }
            if (left < RecordBatchHeader.HEADER_SIZE) {
                throw new CorruptRecordException("Truncated record batch: " + left + " bytes at the end");
            }
            RecordBatchHeader h = RecordBatchHeader.parse(records, pos);
            if (h.batchLength() < RecordBatchHeader.HEADER_SIZE - RecordBatchHeader.LOG_OVERHEAD
                    || h.batchLength() > left - RecordBatchHeader.LOG_OVERHEAD) {
                throw new CorruptRecordException("Record batch length " + h.batchLength()
                        + " is inconsistent with the " + left + " bytes left");
            }
            if (h.sizeInBytes() > maxBatchBytes) {
                throw new RecordTooLargeException("Record batch of " + h.sizeInBytes()
                        + " bytes exceeds max.message.bytes " + maxBatchBytes);
            }
            if (!h.isCrcValid(records, pos)) {
                throw new CorruptRecordException("Record batch at offset " + h.baseOffset() + " is corrupt: CRC "
                        + h.crc() + " does not match its content");
            }
            if (h.compressionCodec() > RecordBatchHeader.MAX_COMPRESSION_CODEC) {
                throw new InvalidRecordException("Unknown compression codec " + h.compressionCodec());
            }
            headers.add(h);
            pos += h.sizeInBytes();
        }
        return headers;
    }
}
