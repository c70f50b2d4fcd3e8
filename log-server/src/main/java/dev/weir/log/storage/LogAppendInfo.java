package dev.weir.log.storage;

/**
 * Outcome of an append.
 *
 * @param firstOffset    offset of the first appended record (the original one for a duplicate)
 * @param lastOffset     offset of the last appended record (the original one for a duplicate)
 * @param logAppendTime  the broker timestamp written into the batches, or -1 unless {@code LogAppendTime} applied
 * @param logStartOffset the log start offset after the append
 * @param recordCount    number of records in the append
 * @param duplicate      true when an idempotent producer retried a batch that is already in the log; nothing was
 *                       written and the offsets are those of the original append
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset,
                            int recordCount, boolean duplicate) {
}
