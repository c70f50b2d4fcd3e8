package dev.weir.log.storage;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * Immutable snapshot of a partition log that readers use without locking: the segments by base offset, the log
 * start and end offsets, and how many bytes of the active (last) segment are complete. {@link LocalLog} publishes a
 * new one after each change; the reads here ({@link PartitionLog#read} and the offset lookups) see one whole view,
 * never a partial append. {@code dir} arguments only name the log in errors.
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

    /** Number of leading segments whose records all lie below {@code offset} (never the active one). */
    int countSegmentsBelow(long offset) {
        int count = 0;
        Long next;
        for (Long base = segments.firstKey(); (next = segments.higherKey(base)) != null; base = next) {
            if (next > offset) {
                break;
            }
            count++;
        }
        return count;
    }

    /** See {@link PartitionLog#read(long, int, long, boolean, boolean)}. */
    LogReadInfo read(Path dir, long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage,
                     boolean exactUpperBound) {
        if (startOffset < logStartOffset || startOffset > logEndOffset) {
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is out of range for " + dir
                    + ": the log holds offsets [" + logStartOffset + ", " + logEndOffset + ")");
        }
        FileSlice empty = new FileSlice(active().channel(), activeEndPosition, 0);
        if (startOffset == logEndOffset) {
            return new LogReadInfo(empty, logStartOffset, logEndOffset);
        }
        try {
            Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
            if (entry == null) {
                entry = segments.firstEntry();
            }
            while (entry != null) {
                LogSegment segment = entry.getValue();
                FileSlice slice = segment.read(startOffset, maxBytes, endPosition(segment), maxOffsetExclusive,
                        minOneMessage);
                if (slice != null) {
                    return new LogReadInfo(slice, logStartOffset, logEndOffset,
                            exactUpperBound ? offsetAfter(segment, slice) : logEndOffset);
                }
                entry = segments.higherEntry(entry.getKey());
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to read " + dir + " at offset " + startOffset + ": "
                    + e.getMessage(), e);
        }
        return new LogReadInfo(empty, logStartOffset, logEndOffset);
    }

    /** Base offset of the batch after {@code slice} (of {@code segment}), else of the next segment, else the log end. */
    private long offsetAfter(LogSegment segment, FileSlice slice) throws IOException {
        long position = slice.position() + slice.size();
        if (position + RecordBatchHeader.HEADER_SIZE <= endPosition(segment)) {
            ByteBuffer baseOffset = ByteBuffer.allocate(8);
            while (baseOffset.hasRemaining()
                    && segment.channel().read(baseOffset, position + baseOffset.position()) >= 0) {
                // positional reads until the 8 bytes are in
            }
            return baseOffset.getLong(0);
        }
        Long nextSegment = segments.higherKey(segment.baseOffset());
        return nextSegment != null ? nextSegment : logEndOffset;
    }

    /** See {@link PartitionLog#collectAbortedTransactions}. */
    List<AbortedTxn> collectAbortedTransactions(long fetchOffset, long upperBoundOffset) {
        List<AbortedTxn> out = new ArrayList<>();
        if (upperBoundOffset <= fetchOffset) {
            return out;
        }
        Long start = segments.floorKey(fetchOffset);
        for (LogSegment segment : segments.tailMap(start == null ? segments.firstKey() : start, true).values()) {
            if (segment.txnIndex().collect(fetchOffset, upperBoundOffset, out)) {
                break;
            }
        }
        return out;
    }

    /** See {@link PartitionLog#offsetForTimestamp}. */
    Optional<TimestampOffset> offsetForTimestamp(Path dir, long targetTimestamp, BatchRecordScanner scanner) {
        try {
            for (LogSegment segment : segments.values()) {
                if (segment.maxTimestampSoFar().timestamp() < targetTimestamp) {
                    continue;
                }
                Optional<TimestampOffset> found = segment.findOffsetByTimestamp(targetTimestamp, logStartOffset,
                        endPosition(segment), scanner);
                if (found.isPresent()) {
                    return found;
                }
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to search " + dir + " by timestamp: " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    /** See {@link PartitionLog#maxTimestampOffset}. */
    Optional<TimestampOffset> maxTimestampOffset(Path dir, BatchRecordScanner scanner) {
        if (logStartOffset >= logEndOffset) {
            return Optional.empty();
        }
        LogSegment best = null;
        for (LogSegment segment : segments.values()) {
            if (best == null || segment.maxTimestampSoFar().timestamp() > best.maxTimestampSoFar().timestamp()) {
                best = segment;
            }
        }
        try {
            return best.findMaxTimestampRecord(endPosition(best), scanner);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to search " + dir + " for its max timestamp: " + e.getMessage(), e);
        }
    }
}
