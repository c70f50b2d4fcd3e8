package dev.weir.log.replica;

import dev.weir.log.storage.FileSlice;
import java.util.List;

/**
 * The outcome of {@link Partition#read}: the records and the partition's offsets as the read saw them.
 *
 * @param records              whole record batches, zero-copy from the segment file; handed to the wire as they are
 * @param sizeInBytes          the records' size (0 if nothing qualified)
 * @param highWatermark        the high watermark the read was bounded by (or reported, for a follower)
 * @param lastStableOffset     the last stable offset at that high watermark
 * @param logStartOffset       the log start offset when the read began
 * @param abortedTransactions  for {@link FetchIsolation#TXN_COMMITTED}: the aborted transactions overlapping the
 *                             records, in log order; otherwise empty
 */
public record ReadResult(FileSlice records, int sizeInBytes, long highWatermark, long lastStableOffset,
                         long logStartOffset, List<AbortedTransaction> abortedTransactions) {

    /** A transaction whose records a read_committed consumer drops, from {@code firstOffset} to its ABORT marker. */
    public record AbortedTransaction(long producerId, long firstOffset) {}
}
