package dev.weir.log.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a compacted log stands, computed from a {@link PartitionLog.CleanerSnapshot}: the clean part (segments wholly
 * below the cleaner checkpoint), the dirty part that may be cleaned now (later segments, up to the active segment, the
 * first segment holding a record younger than {@code min.compaction.lag.ms}, or the first segment ending above the
 * snapshot's cleanable upper bound, i.e. holding uncommitted records), and whether it should be cleaned:
 * its dirty ratio reaches {@code min.cleanable.dirty.ratio}, or its oldest dirty record is older than
 * {@code max.compaction.lag.ms}, or a retained tombstone's delete horizon has passed.
 *
 * <p>Immutable.
 */
final class LogToClean {

    final PartitionLog log;
    final PartitionLog.CleanerSnapshot snapshot;
    /**
     * Segments from the first one up to the first uncleanable one (never the active segment, never one ending above
     * the cleanable upper bound).
     */
    final List<LogSegment> cleanableSegments;
    /** Of {@link #cleanableSegments}, those holding records at or after the first dirty offset. */
    final List<LogSegment> dirtySegments;
    final long firstDirtyOffset;
    final long cleanBytes;
    final long dirtyBytes;
    final boolean maxLagExceeded;
    final boolean deleteHorizonPassed;

    private LogToClean(PartitionLog log, PartitionLog.CleanerSnapshot snapshot, List<LogSegment> cleanable,
                       List<LogSegment> dirty, long firstDirtyOffset, long cleanBytes, long dirtyBytes,
                       boolean maxLagExceeded, boolean deleteHorizonPassed) {
        this.log = log;
        this.snapshot = snapshot;
        this.cleanableSegments = cleanable;
        this.dirtySegments = dirty;
        this.firstDirtyOffset = firstDirtyOffset;
        this.cleanBytes = cleanBytes;
        this.dirtyBytes = dirtyBytes;
        this.maxLagExceeded = maxLagExceeded;
        this.deleteHorizonPassed = deleteHorizonPassed;
    }

    /**
     * @param earliestDeleteHorizonMs the earliest delete horizon of a tombstone retained by earlier cleanings
     *                                ({@link Long#MAX_VALUE} if none)
     */
    static LogToClean of(PartitionLog log, PartitionLog.CleanerSnapshot snapshot, CleanupConfig config, long nowMs,
                         long earliestDeleteHorizonMs) throws IOException {
        LogView v = snapshot.view();
        long firstDirty = snapshot.cleanerCheckpoint();
        if (firstDirty < v.logStartOffset() || firstDirty > v.logEndOffset()) {
            firstDirty = v.logStartOffset();
        }
        LogSegment active = v.active();
        List<LogSegment> cleanable = new ArrayList<>();
        List<LogSegment> dirty = new ArrayList<>();
        long cleanBytes = 0;
        long dirtyBytes = 0;
        for (Map.Entry<Long, LogSegment> e : v.segments().entrySet()) {
            LogSegment s = e.getValue();
            if (s == active) {
                break;
            }
            long next = v.segments().higherKey(e.getKey());
            if (next > snapshot.cleanableUpperBound()) {
                break;
            }
            if (next <= firstDirty) {
                cleanBytes += s.size();
            } else {
                if (config.minCompactionLagMs() > 0 && s.largestTimestamp() > nowMs - config.minCompactionLagMs()) {
                    break;
                }
                dirty.add(s);
                dirtyBytes += s.size();
            }
            cleanable.add(s);
        }
        boolean maxLagExceeded = false;
        if (!dirty.isEmpty() && config.maxCompactionLagMs() < Long.MAX_VALUE) {
            LogSegment first = dirty.get(0);
            FileBatch batch = new FileBatches(first.channel(), 0, first.size()).next();
            long firstTimestamp = batch == null ? -1 : batch.header().maxTimestamp();
            maxLagExceeded = firstTimestamp >= 0 && nowMs - firstTimestamp > config.maxCompactionLagMs();
        }
        boolean horizonPassed = earliestDeleteHorizonMs <= nowMs && !cleanable.isEmpty();
        return new LogToClean(log, snapshot, List.copyOf(cleanable), List.copyOf(dirty), firstDirty, cleanBytes,
                dirtyBytes, maxLagExceeded, horizonPassed);
    }

    /** Dirty bytes over all cleanable bytes. */
    double dirtyRatio() {
        long total = cleanBytes + dirtyBytes;
        return total == 0 ? 0 : (double) dirtyBytes / total;
    }

    boolean shouldClean(CleanupConfig config) {
        return (dirtyBytes > 0 && (dirtyRatio() >= config.minCleanableDirtyRatio() || maxLagExceeded))
                || deleteHorizonPassed;
    }

    /** Cleanings that some deadline demands go first, then the dirtiest log. */
    double priority() {
        return (maxLagExceeded || deleteHorizonPassed ? 2 : 0) + dirtyRatio();
    }

    @Override
    public String toString() {
        return log.dir().getFileName() + "(first dirty offset " + firstDirtyOffset + ", clean " + cleanBytes
                + " bytes, dirty " + dirtyBytes + " bytes, ratio " + String.format("%.2f", dirtyRatio())
                + (maxLagExceeded ? ", max.compaction.lag.ms exceeded" : "")
                + (deleteHorizonPassed ? ", tombstones past delete horizon" : "") + ")";
    }
}
