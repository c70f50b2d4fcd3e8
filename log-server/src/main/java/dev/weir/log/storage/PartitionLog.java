package dev.weir.log.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/** The log of one partition (API skeleton; implementation follows). */
public final class PartitionLog implements AutoCloseable {

    private PartitionLog() {
    }

    public static PartitionLog open(Path dir, LogConfig config, Clock clock) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static PartitionLog open(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public LogAppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public LogAppendInfo appendAsFollower(ByteBuffer records) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public LogReadInfo read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long logStartOffset() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long logEndOffset() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long size() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public int segmentCount() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public Path dir() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public LogConfig config() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public Optional<TimestampOffset> offsetForTimestamp(long targetTimestamp, BatchRecordScanner scanner) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public Optional<TimestampOffset> maxTimestampOffset(BatchRecordScanner scanner) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void deleteRecordsBefore(long offset) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public int deleteRetainedSegments(long nowMs) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void truncateTo(long offset) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void updateConfig(LogConfig config) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void flush() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void delete() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
