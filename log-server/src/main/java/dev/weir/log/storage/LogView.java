package dev.weir.log.storage;

import java.util.NavigableMap;

/**
 * Immutable snapshot of a partition log that readers use without locking: the segments by base offset, the log
 * start and end offsets, and how many bytes of the active (last) segment are complete.
 */
record LogView(NavigableMap<Long, LogSegment> segments, long logStartOffset, long logEndOffset,
               int activeEndPosition) {

    LogSegment active() {
        return segments.lastEntry().getValue();
    }

    /** Readable bytes of {@code segment} in this view. */
    int endPosition(LogSegment segment) {
        return segment == active() ? activeEndPosition : segment.size();
    }

    long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += endPosition(s);
        }
        return total;
    }
}
