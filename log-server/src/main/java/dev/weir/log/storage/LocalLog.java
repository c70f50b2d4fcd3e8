package dev.weir.log.storage;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The segments of one partition log and the files that follow them, as Kafka's {@code LocalLog}: appends to and rolls
 * the active segment, removes segments (retention, DeleteRecords, truncation), swaps in cleaned ones, flushes and
 * checkpoints the recovery point ({@code recovery-point}) and log start ({@code log-start-offset}), closes (writing
 * {@code .clean-shutdown}) and deletes the directory. Producer state and leader epochs are {@link PartitionLog}'s;
 * it keeps them in step through a {@link Listener}.
 *
 * <p>Removed segments are renamed {@code .deleted} at once and closed and removed after {@code file.delete.delay.ms}
 * on the scheduler, so that readers holding slices of them finish undisturbed; a roll flushes the previous segment
 * on the scheduler.
 *
 * <p>Thread-safety: {@link #lock} is the log lock. It guards the recovery point, the truncation generation, the
 * closed and offline flags and every change of the published {@link LogView}. Methods documented "under the lock"
 * must be called with it held; the others take it themselves. The view, directory, config and last flush time are
 * volatile for lock-free readers. Fsyncs run outside the lock, serialized by their own monitor.
 */
final class LocalLog {

    private static final Logger log = LoggerFactory.getLogger(LocalLog.class);

    /** What the owner keeps in step with the segments; called under the lock. */
    interface Listener {
        /** Writes a producer state snapshot at {@code offset}: a roll starts a segment there, or the log closes. */
        void snapshotProducers(Path dir, long offset) throws IOException;

        /** The log start offset moved up to {@code logStart} (retention, DeleteRecords, or a roll). */
        void onLogStartMoved(long logStart) throws IOException;
    }

    /** The log lock; see the class comment. */
    final ReentrantLock lock = new ReentrantLock();
    /** Serializes fsyncs, which run outside {@link #lock}. */
    private final Object flushLock = new Object();
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    /** Whether {@link #scheduler} is this log's own, shut down when the log closes or is deleted. */
    private final boolean ownsScheduler;
    private final Listener listener;
    private volatile Path dir;
    private volatile LogConfig config;
    private volatile LogView view;
    private volatile long lastFlushMs;
    // Guarded by lock.
    private long recoveryPoint;
    /**
     * Incremented by each truncation, so that a flush or a cleaning that raced with one does not advance the
     * recovery point or swap in segments.
     */
    private long truncations;
    private boolean closed;
    private boolean offline;

    /** Starts from what {@link LogLoader} loaded from {@code dir}. */
    LocalLog(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler, boolean ownsScheduler,
             Listener listener, LogLoader.LoadedLog loaded) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.ownsScheduler = ownsScheduler;
        this.listener = listener;
        this.view = loaded.view();
        this.recoveryPoint = loaded.recoveryPoint();
        this.lastFlushMs = loaded.loadedAtMs();
    }

    Path dir() {
        return dir;
    }

    LogConfig config() {
        return config;
    }

    Clock clock() {
        return clock;
    }

    /** The latest published view; lock-free. */
    LogView view() {
        return view;
    }

    /** Under the lock. */
    long recoveryPoint() {
        return recoveryPoint;
    }

    /** Under the lock: the truncation generation, see {@link PartitionLog.CleanerSnapshot#generation()}. */
    long truncations() {
        return truncations;
    }

    /** Under the lock: a truncation starts, so flushes and cleanings planned before it must not complete. */
    void startTruncation() {
        assert lock.isHeldByCurrentThread();
        truncations++;
    }

    /** Under the lock: closed or taken offline, so background work has nothing to do. */
    boolean isClosedOrOffline() {
        return closed || offline;
    }

    /** Under the lock. */
    void ensureWritable() {
        if (offline) {
            throw new KafkaStorageException("Log " + dir + " is offline after an I/O error");
        }
        if (closed) {
            throw new KafkaStorageException("Log " + dir + " is closed");
        }
    }

    /** Under the lock: takes the log offline after a failed write, as its files may no longer match its state. */
    KafkaStorageException fail(String message, IOException e) {
        offline = true;
        log.error("{}; log {} is now offline", message, dir, e);
        return new KafkaStorageException(message + ": " + e.getMessage(), e);
    }

    /** Applies new settings to future appends, rolls, retention and flushes. */
    void updateConfig(LogConfig newConfig) {
        lock.lock();
        try {
            config = newConfig;
            for (LogSegment s : view.segments().values()) {
                s.updateConfig(newConfig);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: writes {@code batches} (offsets {@code firstOffset} to {@code nextOffset - 1}) to the active
     * segment, rolling first if it is due, and publishes the new log end offset.
     */
    void append(ByteBuffer batches, long firstOffset, long nextOffset, long maxTimestamp, long now) {
        assert lock.isHeldByCurrentThread();
        LogSegment active = view.active();
        try {
            if (active.shouldRoll(config, batches.remaining(), maxTimestamp, nextOffset - 1, now)) {
                active = roll(firstOffset, now);
            }
            active.append(batches);
        } catch (IOException e) {
            throw fail("Failed to append to " + active, e);
        }
        LogView v = view;
        view = new LogView(v.segments(), v.logStartOffset(), nextOffset, active.size());
    }

    /** Makes a new active segment starting at {@code baseOffset}; the previous one is flushed in the background. */
    private LogSegment roll(long baseOffset, long now) throws IOException {
        long start = System.nanoTime();
        LogView v = view;
        LogSegment previous = v.active();
        TreeMap<Long, LogSegment> segments = new TreeMap<>(v.segments());
        if (previous.size() == 0) {
            if (previous.baseOffset() == baseOffset) {
                return previous;
            }
            // An empty active segment below a replicated gap holds nothing: replace it.
            segments.remove(previous.baseOffset());
            previous.renameToDeleted();
            scheduleDelete(previous);
        } else {
            previous.onBecomeInactive();
        }
        listener.snapshotProducers(dir, baseOffset);
        LogSegment segment = LogSegment.create(dir, baseOffset, config, now);
        segments.put(baseOffset, segment);
        long logStart = Math.max(v.logStartOffset(), segments.firstKey());
        view = new LogView(Collections.unmodifiableNavigableMap(segments), logStart, v.logEndOffset(), 0);
        if (logStart != v.logStartOffset()) {
            listener.onLogStartMoved(logStart);
        }
        scheduleFlush(baseOffset);
        log.info("{}: rolled new segment at offset {} in {} ms", dir, baseOffset,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return segment;
    }

    /**
     * Under the lock: removes the oldest {@code count} segments (never the last one) and raises the log start offset
     * to at least {@code minLogStart} and the first remaining segment.
     */
    void deleteOldestSegments(int count, long minLogStart, String reason) throws IOException {
        assert lock.isHeldByCurrentThread();
        LogView v = view;
        TreeMap<Long, LogSegment> remaining = new TreeMap<>(v.segments());
        List<LogSegment> removed = new ArrayList<>();
        for (int i = 0; i < count && remaining.size() > 1; i++) {
            removed.add(remaining.pollFirstEntry().getValue());
        }
        long logStart = Math.max(Math.max(v.logStartOffset(), minLogStart), remaining.firstKey());
        view = new LogView(Collections.unmodifiableNavigableMap(remaining), logStart, v.logEndOffset(),
                v.activeEndPosition());
        if (logStart != v.logStartOffset()) {
            Checkpoints.writeLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE), logStart);
            listener.onLogStartMoved(logStart);
        }
        for (LogSegment s : removed) {
            log.info("{}: deleting segment {} ({})", dir, s.baseOffset(), reason);
            s.renameToDeleted();
            scheduleDelete(s);
        }
        ProducerSnapshotFile.deleteRange(dir, 0, remaining.firstKey());
    }

    /**
     * Under the lock: removes the segments from the one holding {@code offset} on, except the first, which becomes
     * active and is truncated to {@code offset}; lowers the recovery point to the new log end.
     *
     * @param offset above the first segment's base offset and below the log end offset
     * @return the new log end offset (batch-aligned: at or below {@code offset})
     */
    long truncateSegmentsTo(long offset) throws IOException {
        assert lock.isHeldByCurrentThread();
        LogView v = view;
        TreeMap<Long, LogSegment> remaining = new TreeMap<>(v.segments());
        List<LogSegment> removed = new ArrayList<>();
        while (remaining.lastKey() >= offset) {
            removed.add(remaining.pollLastEntry().getValue());
        }
        LogSegment active = remaining.lastEntry().getValue();
        if (active != v.active()) {
            active.resizeIndexes(config.segmentIndexBytes());
        }
        active.truncateTo(offset);
        long logEnd = active.readNextOffset();
        view = new LogView(Collections.unmodifiableNavigableMap(remaining), v.logStartOffset(), logEnd,
                active.size());
        for (LogSegment s : removed) {
            s.renameToDeleted();
            scheduleDelete(s);
        }
        if (recoveryPoint > logEnd) {
            recoveryPoint = logEnd;
            Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), recoveryPoint);
        }
        return logEnd;
    }

    /**
     * Under the lock: replaces every segment by an empty one at {@code offset}, which becomes the log start, log end
     * and recovery point; removes every producer snapshot.
     */
    void restartAt(long offset) throws IOException {
        assert lock.isHeldByCurrentThread();
        for (LogSegment s : view.segments().values()) {
            s.renameToDeleted();
            scheduleDelete(s);
        }
        TreeMap<Long, LogSegment> segments = new TreeMap<>();
        LogSegment segment = LogSegment.create(dir, offset, config, clock.millis());
        segments.put(offset, segment);
        view = new LogView(Collections.unmodifiableNavigableMap(segments), offset, offset, 0);
        recoveryPoint = offset;
        Checkpoints.writeLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE), offset);
        Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), offset);
        ProducerSnapshotFile.deleteRange(dir, 0, Long.MAX_VALUE);
    }

    /** See {@link PartitionLog#replaceSegments}. */
    boolean replaceSegments(List<LogSegment> sources, LogSegment cleaned, long end, long generation) {
        lock.lock();
        try {
            if (closed || offline || generation != truncations) {
                return false;
            }
            LogView v = view;
            for (LogSegment s : sources) {
                if (v.segments().get(s.baseOffset()) != s || s == v.active()) {
                    return false;
                }
            }
            Long next = v.segments().higherKey(sources.get(sources.size() - 1).baseOffset());
            if (next == null || next != end || sources.get(0).baseOffset() != cleaned.baseOffset()) {
                return false;
            }
            SegmentSwap.commit(dir, cleaned, end);
            for (LogSegment s : sources) {
                s.renameToDeleted();
            }
            SegmentSwap.complete(dir, cleaned);
            TreeMap<Long, LogSegment> segments = new TreeMap<>(v.segments());
            sources.forEach(s -> segments.remove(s.baseOffset()));
            segments.put(cleaned.baseOffset(), cleaned);
            view = new LogView(Collections.unmodifiableNavigableMap(segments), v.logStartOffset(), v.logEndOffset(),
                    v.activeEndPosition());
            sources.forEach(this::scheduleDelete);
            return true;
        } catch (IOException e) {
            throw fail("Failed to swap cleaned segment " + cleaned.baseOffset() + " into " + dir, e);
        } finally {
            lock.unlock();
        }
    }

    /** Fsyncs everything appended so far and checkpoints the recovery point. */
    void flush() {
        flushUpTo(view.logEndOffset());
    }

    /** Flushes if {@code flush.ms} has passed since the last flush. */
    void flushIfDue(long nowMs) {
        if (nowMs - lastFlushMs >= config.flushMs()) {
            flush();
        }
    }

    /** Under the lock: flushes if {@code flush.messages} records were appended since the recovery point. */
    void maybeFlushByMessages() {
        if (view.logEndOffset() - recoveryPoint >= config.flushIntervalMessages()) {
            flush();
        }
    }

    /** Fsyncs the segments holding offsets below {@code offset} and advances the recovery point to it. */
    void flushUpTo(long offset) {
        List<LogSegment> toFlush = new ArrayList<>();
        long generation;
        lock.lock();
        try {
            if (closed || offline || offset <= recoveryPoint) {
                return;
            }
            NavigableMap<Long, LogSegment> segments = view.segments();
            for (Map.Entry<Long, LogSegment> e : segments.entrySet()) {
                Long next = segments.higherKey(e.getKey());
                if (e.getKey() < offset && (next == null || next > recoveryPoint)) {
                    toFlush.add(e.getValue());
                }
            }
            generation = truncations;
        } finally {
            lock.unlock();
        }
        try {
            synchronized (flushLock) {
                for (LogSegment s : toFlush) {
                    s.flush();
                }
            }
        } catch (IOException e) {
            lock.lock();
            try {
                throw fail("Failed to flush " + dir, e);
            } finally {
                lock.unlock();
            }
        }
        lock.lock();
        try {
            if (closed || generation != truncations) {
                return;
            }
            long point = Math.min(offset, view.logEndOffset());
            if (point > recoveryPoint) {
                recoveryPoint = point;
                Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), point);
            }
            lastFlushMs = clock.millis();
        } catch (IOException e) {
            throw fail("Failed to checkpoint the recovery point of " + dir, e);
        } finally {
            lock.unlock();
        }
    }

    /** See {@link PartitionLog#close()}. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            LogView v = view;
            if (offline) {
                for (LogSegment s : v.segments().values()) {
                    s.closeHandles();
                }
                return;
            }
            synchronized (flushLock) {
                for (LogSegment s : v.segments().values()) {
                    if (v.segments().higherKey(s.baseOffset()) == null
                            || v.segments().higherKey(s.baseOffset()) > recoveryPoint) {
                        s.flush();
                    }
                }
            }
            listener.snapshotProducers(dir, v.logEndOffset());
            for (LogSegment s : v.segments().values()) {
                s.close();
            }
            recoveryPoint = v.logEndOffset();
            Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), recoveryPoint);
            Checkpoints.writeLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE), v.logStartOffset());
            Checkpoints.writeAtomically(dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE), ByteBuffer.allocate(0));
        } catch (IOException e) {
            offline = true;
            throw new KafkaStorageException("Failed to close " + dir + " cleanly: " + e.getMessage(), e);
        } finally {
            releaseScheduler();
            lock.unlock();
        }
    }

    /** See {@link PartitionLog#delete()}. */
    void delete() {
        lock.lock();
        try {
            if (closed && !Files.exists(dir)) {
                return;
            }
            closed = true;
            LogView v = view;
            Path target = dir.resolveSibling(dir.getFileName() + "." + UUID.randomUUID().toString().replace("-", "")
                    + LogFileNames.DELETE_DIR_SUFFIX);
            Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            Checkpoints.fsyncDirectory(target.getParent());
            log.info("{}: partition deleted, files moved to {}", dir, target);
            dir = target;
            List<LogSegment> segments = List.copyOf(v.segments().values());
            schedule(() -> {
                for (LogSegment s : segments) {
                    s.closeHandles();
                }
                Dirs.deleteRecursively(target);
            }, config.fileDeleteDelayMs(), "delete " + target);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to delete " + dir + ": " + e.getMessage(), e);
        } finally {
            releaseScheduler();
            lock.unlock();
        }
    }

    /**
     * Shuts down a scheduler of this log's own once the log is closed: deletions already scheduled still run (the
     * executor's default policy), nothing new is accepted (later deletions then run at once, see {@link #schedule}).
     */
    private void releaseScheduler() {
        if (ownsScheduler && closed) {
            scheduler.shutdown();
        }
    }

    private void scheduleFlush(long offset) {
        try {
            scheduler.execute(() -> {
                try {
                    flushUpTo(offset);
                } catch (RuntimeException e) {
                    log.error("{}: background flush up to offset {} failed", dir, offset, e);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("{}: scheduler is shut down, leaving the flush to close()", dir);
        }
    }

    /** Closes and removes a renamed segment once readers that might still hold its channel are done. */
    private void scheduleDelete(LogSegment segment) {
        schedule(segment::closeAndDelete, config.fileDeleteDelayMs(), "delete " + segment.logFile());
    }

    private interface IoTask {
        void run() throws IOException;
    }

    private void schedule(IoTask task, long delayMs, String description) {
        Runnable runnable = () -> {
            try {
                task.run();
            } catch (IOException | RuntimeException e) {
                log.warn("{}: {} failed (files are removed on next open)", dir, description, e);
            }
        };
        try {
            scheduler.schedule(runnable, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            runnable.run();
        }
    }
}
