package dev.weir.log.replica;

import dev.weir.log.storage.LogAppendInfo;

/**
 * Where an append as leader put the batches, in the terms a Produce response needs.
 *
 * @param firstOffset    offset of the first record appended (of the original append for a retried duplicate)
 * @param lastOffset     offset of the last record appended
 * @param logAppendTime  the broker time stamped on LogAppendTime batches, or -1
 * @param logStartOffset the log start offset after the append
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset) {

    public static AppendResult of(LogAppendInfo info) {
        return new AppendResult(info.firstOffset(), info.lastOffset(), info.logAppendTime(), info.logStartOffset());
    }
}
