package dev.weir.log.storage;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Looks inside one record batch, whose records storage does not decode (they may be compressed). Implemented
 * outside the storage package, with kafka-clients. Implementations must be thread-safe and must not modify the
 * buffer's content; they may change its position and limit.
 */
public interface BatchRecordScanner {

    /**
     * @param batch           exactly one v2 record batch, from position to limit
     * @param targetTimestamp the timestamp searched for
     * @param minOffset       records with a smaller offset are ignored (they lie before the log start offset)
     * @return the first record (in offset order) with timestamp >= targetTimestamp and offset >= minOffset
     */
    Optional<TimestampOffset> firstAtOrAfter(ByteBuffer batch, long targetTimestamp, long minOffset);

    /**
     * @param batch exactly one v2 record batch, from position to limit
     * @return the first record carrying the batch's largest timestamp (for LogAppendTime batches: the base offset
     *         and the batch's max timestamp), or empty if the batch has no records
     */
    Optional<TimestampOffset> maxTimestampRecord(ByteBuffer batch);
}
