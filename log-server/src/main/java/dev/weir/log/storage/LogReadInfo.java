package dev.weir.log.storage;

/**
 * Outcome of a read.
 *
 * @param records        whole record batches (size 0 if nothing qualified)
 * @param logStartOffset the log start offset when the read began
 * @param logEndOffset   the log end offset when the read began
 */
public record LogReadInfo(FileSlice records, long logStartOffset, long logEndOffset) {
}
