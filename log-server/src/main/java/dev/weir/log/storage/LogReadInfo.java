package dev.weir.log.storage;

/**
 * Outcome of a read.
 *
 * @param records         whole record batches (size 0 if nothing qualified)
 * @param logStartOffset  the log start offset when the read began
 * @param logEndOffset    the log end offset when the read began
 * @param upperBoundOffset an offset above every record in {@code records}: the base offset of the batch after them (or
 *                         the log end offset); what a read_committed fetch collects aborted transactions below
 */
public record LogReadInfo(FileSlice records, long logStartOffset, long logEndOffset, long upperBoundOffset) {

    public LogReadInfo(FileSlice records, long logStartOffset, long logEndOffset) {
        this(records, logStartOffset, logEndOffset, logEndOffset);
    }
}
