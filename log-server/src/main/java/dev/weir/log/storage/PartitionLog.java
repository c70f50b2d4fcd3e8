package dev.weir.log.storage;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The log of one partition: a directory of {@link LogSegment}s, the active one last, plus
 * <ul>
 *   <li>{@code recovery-point}: offset below which everything was fsynced (checkpointed on flush and close);</li>
 *   <li>{@code log-start-offset}: first offset visible to readers (moved by retention and DeleteRecords);</li>
 *   <li>{@code <20-digit offset>.snapshot}: producer state (epochs, sequences, ongoing transactions), written at
 *       every roll and on close, see {@link ProducerSnapshotFile};</li>
 *   <li>{@code <20-digit offset>.txnindex}: per segment, the transactions aborted by a marker in it, see
 *       {@link TransactionIndex}; written on every ABORT marker append (leader and follower), truncated with the log,
 *       deleted with its segment, and re-added on load by the producer state replay when missing;</li>
 *   <li>{@code cleaner-offset-checkpoint}: first offset not yet compacted by the {@link LogCleaner} (compacted logs);
 *       the cleaner's {@code .cleaned}/{@code .swap} files are finished or discarded on open, see
 *       {@link SegmentSwap}; the cleaner never compacts past the {@link #setCleanableUpperBound cleanable upper
 *       bound} (the high watermark, once there are followers);</li>
 *   <li>{@code leader-epoch-checkpoint}: the {@link LeaderEpochCache}, the start offset of each leader epoch, kept in
 *       step with appends, truncations and log start moves; rebuilt from the batch headers if missing or
 *       unreadable;</li>
 *   <li>{@code .clean-shutdown}: written by {@link #close()}, removed by {@link #open}; when missing on open,
 *       every segment from the recovery point on is validated batch by batch and truncated after the last good
 *       batch.</li>
 * </ul>
 *
 * <p>Transactions: {@link #firstUnstableOffset()} is the first offset of the earliest ongoing transaction;
 * {@link #lastStableOffset(long)} caps the high watermark by it (and by transactions completed but whose marker the
 * high watermark has not passed); {@link #collectAbortedTransactions} answers read_committed fetches.
 *
 * <p>Structure, after Kafka's {@code UnifiedLog}: this class keeps the producer state, the leader epochs and the
 * cleaner's checkpoint and bound, and puts the pieces of each operation together; {@link LogLoader} opens and
 * recovers the directory; {@link LocalLog} holds the segments (append, roll, deletion, truncation, cleaner swap,
 * flush, close); {@link LogAppender} prepares appends; {@link LogRetention} picks the segments retention deletes;
 * {@link LogView} serves reads.
 *
 * <p>Thread-safety: all methods may be called from any thread. Appends, truncation, rolls, deletion, config
 * changes and close are serialized by one lock, {@link LocalLog#lock}, which also guards the producer state and
 * leader epoch cache. Reads ({@link #read}, offset lookups, the accessors) take no lock: they use an immutable
 * {@link LogView} published after each change, so they never see a partial append. Flushes (fsync) run outside the
 * lock. I/O failures are reported as {@link KafkaStorageException}; after a failed write the log refuses further
 * writes.
 */
public final class PartitionLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private static final LongSupplier UNBOUNDED = () -> Long.MAX_VALUE;

    private final LocalLog local;
    /** {@link LocalLog#lock}. */
    private final ReentrantLock lock;
    // Guarded by lock.
    private final ProducerStateManager producerState;
    /** Guarded by lock for changes (it also synchronizes itself). */
    private final LeaderEpochCache leaderEpochs;
    /** First offset the cleaner has not compacted; written to {@code cleaner-offset-checkpoint}. */
    private volatile long cleanerCheckpoint;
    /** Offsets at or above this are never compacted; read by the cleaner without the lock. */
    private volatile LongSupplier cleanableUpperBound = UNBOUNDED;
    /** Ongoing and unreplicated transactions by first offset, published after each change for lock-free LSO reads. */
    private volatile List<ProducerStateManager.UnstableTxn> unstableTxns;

    private PartitionLog(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler,
                         boolean ownsScheduler, ProducerStateManager producerState, LogLoader.LoadedLog loaded) {
        this.producerState = producerState;
        this.leaderEpochs = loaded.leaderEpochs();
        this.cleanerCheckpoint = loaded.cleanerCheckpoint();
        this.unstableTxns = List.copyOf(producerState.unstable());
        this.local = new LocalLog(dir, config, clock, scheduler, ownsScheduler, new SegmentHooks(), loaded);
        this.lock = local.lock;
    }

    /**
     * Opens (creating if needed) the log in {@code dir} for tests and tools: the log runs its background work
     * (delayed deletions, flushes after a roll) on a daemon thread of its own, stopped when it is closed or deleted.
     * A broker passes its scheduler to {@link #open(Path, LogConfig, Clock, ScheduledExecutorService)} instead.
     */
    public static PartitionLog open(Path dir, LogConfig config, Clock clock) {
        ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-storage-" + dir.getFileName());
            t.setDaemon(true);
            return t;
        });
        try {
            return open(dir, config, clock, own, true);
        } catch (RuntimeException e) {
            own.shutdown();
            throw e;
        }
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly; see
     * {@link LogLoader}.
     *
     * @param scheduler runs delayed file deletions and flushes after a roll; owned by the caller
     */
    public static PartitionLog open(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        return open(dir, config, clock, scheduler, false);
    }

    private static PartitionLog open(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler,
                                     boolean ownsScheduler) {
        ProducerStateManager producerState = new ProducerStateManager();
        LogLoader.LoadedLog loaded = LogLoader.load(dir, config, clock.millis(), producerState);
        return new PartitionLog(dir, config, clock, scheduler, ownsScheduler, producerState, loaded);
    }

    /** Keeps producer snapshots and leader epochs in step with the segments. */
    private final class SegmentHooks implements LocalLog.Listener {
        @Override
        public void snapshotProducers(Path dir, long offset) throws IOException {
            ProducerSnapshotFile.write(dir, offset, producerState.entries());
        }

        @Override
        public void onLogStartMoved(long logStart) throws IOException {
            leaderEpochs.truncateFromStart(logStart);
        }
    }

    /** Under the lock, after the producer state changed. */
    private void publishTxnState() {
        unstableTxns = List.copyOf(producerState.unstable());
    }

    /**
     * Appends batches from a producer: validates them all, assigns offsets from the log end offset, stamps the
     * leader epoch (and the append time under LogAppendTime) into them in place, and writes them to one segment.
     * Nothing is written if any check fails.
     *
     * @param records one or more v2 record batches from position to limit; rewritten in place unless read-only
     * @return the assigned offsets, or those of the original append when the batch is an idempotent retry
     * @throws org.apache.kafka.common.errors.CorruptRecordException          bad framing or CRC
     * @throws org.apache.kafka.common.errors.UnsupportedForMessageFormatException magic other than 2
     * @throws org.apache.kafka.common.errors.RecordTooLargeException          a batch exceeds max.message.bytes
     * @throws org.apache.kafka.common.errors.RecordBatchTooLargeException     the append exceeds segment.bytes
     * @throws org.apache.kafka.common.InvalidRecordException                  inconsistent count, control batch
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException    fenced producer epoch
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException      sequence gap
     * @throws KafkaStorageException                                           I/O failure or closed log
     */
    public LogAppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, AppendOrigin.CLIENT);
    }

    /**
     * {@link #appendAsLeader(ByteBuffer, int)} for a given origin: {@link AppendOrigin#COORDINATOR} may append
     * end-transaction markers (control batches), which end their producer's ongoing transaction; an ABORT marker also
     * gets an entry in the segment's transaction index. Its data batches with a producer id (a group coordinator's
     * transactional offset commits) get the epoch check only: no sequence check, no duplicate detection.
     *
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException         a marker (or batch) of an epoch
     *                                                                              older than the producer's
     * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException a marker from an older coordinator
     *                                                                              epoch than the last marker's
     */
    public LogAppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch, AppendOrigin origin) {
        lock.lock();
        try {
            local.ensureWritable();
            LogConfig cfg = local.config();
            long now = local.clock().millis();
            LogAppender.Prepared prepared = LogAppender.forLeader(records, origin, cfg, producerState, local.view(), now);
            if (prepared instanceof LogAppender.Answer answer) {
                return answer.info();
            }
            LogAppender.Write write = (LogAppender.Write) prepared;
            if (leaderEpoch >= 0) {
                // Recorded before the records are written: after a crash the history may run ahead of the log (trimmed
                // on open) but never lack an epoch the log holds.
                assignLeaderEpoch(leaderEpoch, write.firstOffset());
            }
            ByteBuffer buffer = LogAppender.stamp(records, write, leaderEpoch, cfg, now);
            return write(buffer, write, now, cfg.logAppendTime() ? now : RecordBatchHeader.NO_TIMESTAMP);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends batches replicated from the leader, offsets already assigned: each must start at or after the
     * previous one's end, the first at or after the log end offset (gaps are allowed: compacted logs have them).
     *
     * @throws org.apache.kafka.common.errors.CorruptRecordException bad framing or CRC
     * @throws org.apache.kafka.common.InvalidRecordException        offsets out of order
     */
    public LogAppendInfo appendAsFollower(ByteBuffer records) {
        lock.lock();
        try {
            local.ensureWritable();
            LogAppender.Prepared prepared = LogAppender.forFollower(records, local.config(), producerState,
                    local.view());
            if (prepared instanceof LogAppender.Answer answer) {
                return answer.info();
            }
            LogAppender.Write write = (LogAppender.Write) prepared;
            for (RecordBatchHeader h : write.headers()) {
                if (h.partitionLeaderEpoch() >= 0) {
                    assignLeaderEpoch(h.partitionLeaderEpoch(), h.baseOffset());
                }
            }
            return write(records, write, local.clock().millis(), RecordBatchHeader.NO_TIMESTAMP);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: writes prepared batches, then commits their producer state and indexes aborted transactions. */
    private LogAppendInfo write(ByteBuffer buffer, LogAppender.Write write, long now, long logAppendTime) {
        local.append(buffer, write.firstOffset(), write.nextOffset(), write.maxTimestamp(), now);
        indexAborted(local.view().active(), producerState.commit(write.update(), write.nextOffset(), true));
        local.maybeFlushByMessages();
        return new LogAppendInfo(write.firstOffset(), write.nextOffset() - 1, logAppendTime,
                local.view().logStartOffset(), write.count(), false);
    }

    /**
     * Writes the index entries of the transactions that markers just aborted, into {@code segment} (which holds the
     * markers). Under the lock, after the append was written and the producer state committed.
     */
    private void indexAborted(LogSegment segment, List<CompletedTxn> completed) {
        try {
            for (CompletedTxn t : completed) {
                if (t.aborted()) {
                    segment.txnIndex().append(producerState.indexEntry(t));
                }
            }
        } catch (IOException e) {
            throw local.fail("Failed to write the transaction index of " + segment, e);
        }
        publishTxnState();
    }

    /** Under the lock. */
    private void assignLeaderEpoch(int epoch, long startOffset) {
        try {
            leaderEpochs.assign(epoch, startOffset);
        } catch (IOException e) {
            throw local.fail("Failed to checkpoint leader epoch " + epoch + " of " + local.dir(), e);
        }
    }

    /**
     * Records that {@code leaderEpoch} starts at the current log end offset, as Kafka does when a replica becomes
     * leader, so that OffsetForLeaderEpoch knows the epoch before any record is written in it. Does nothing unless
     * the epoch is newer than the latest one recorded, or if the log is closed or offline. Never throws for I/O: a
     * failed checkpoint write takes the log offline (logged), as for any write, and appends then fail.
     */
    public void startLeaderEpoch(int leaderEpoch) {
        if (leaderEpoch < 0) {
            return;
        }
        lock.lock();
        try {
            if (local.isClosedOrOffline()) {
                return;
            }
            leaderEpochs.assign(leaderEpoch, local.view().logEndOffset());
        } catch (IOException e) {
            local.fail("Failed to checkpoint leader epoch " + leaderEpoch + " of " + local.dir(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The newest leader epoch that wrote to (or started in) this log; empty if none did. */
    public OptionalInt latestEpoch() {
        lock.lock();
        try {
            return leaderEpochs.latestEpoch();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Where {@code epoch} ends in this log (OffsetForLeaderEpoch), with the log end offset as the end of the latest
     * epoch; see {@link LeaderEpochCache#endOffsetFor}.
     */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        lock.lock();
        try {
            return leaderEpochs.endOffsetFor(epoch, local.view().logEndOffset());
        } finally {
            lock.unlock();
        }
    }

    /** The leader epoch history, oldest first (a copy). */
    public List<LeaderEpochCache.EpochEntry> leaderEpochs() {
        lock.lock();
        try {
            return leaderEpochs.entries();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads whole batches from the segment holding {@code startOffset} (or the next non-empty one).
     *
     * @param startOffset        first offset wanted; the batch containing it is returned from its start
     * @param maxBytes           byte budget: batches that would exceed it are left out
     * @param maxOffsetExclusive batches starting at or beyond it (e.g. the high watermark) are left out
     * @param minOneMessage      return the first batch whole even if it exceeds {@code maxBytes}
     * @throws OffsetOutOfRangeException if startOffset is below the log start or above the log end offset
     */
    public LogReadInfo read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage) {
        return read(startOffset, maxBytes, maxOffsetExclusive, minOneMessage, false);
    }

    /**
     * {@link #read(long, int, long, boolean)}; with {@code exactUpperBound} the result's
     * {@link LogReadInfo#upperBoundOffset()} is the base offset of the batch after the slice (one small extra read, for
     * read_committed fetches), else the log end offset.
     */
    public LogReadInfo read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage,
                            boolean exactUpperBound) {
        return local.view().read(local.dir(), startOffset, maxBytes, maxOffsetExclusive, minOneMessage,
                exactUpperBound);
    }

    public long logStartOffset() {
        return local.view().logStartOffset();
    }

    public long logEndOffset() {
        return local.view().logEndOffset();
    }

    /** Bytes in all segments. */
    public long size() {
        return local.view().sizeInBytes();
    }

    public int segmentCount() {
        return local.view().segments().size();
    }

    /** The segments in offset order (a snapshot; do not modify them). */
    public List<LogSegment> segments() {
        return List.copyOf(local.view().segments().values());
    }

    public Path dir() {
        return local.dir();
    }

    public LogConfig config() {
        return local.config();
    }

    /** Offset below which the log is known to be on disk. */
    public long recoveryPoint() {
        lock.lock();
        try {
            return local.recoveryPoint();
        } finally {
            lock.unlock();
        }
    }

    /** A copy of the idempotent producers' state. */
    public Map<Long, ProducerStateEntry> producerStates() {
        lock.lock();
        try {
            return producerState.entries();
        } finally {
            lock.unlock();
        }
    }

    /** First offset of the earliest ongoing transaction, or empty if no transaction is ongoing. Lock-free. */
    public OptionalLong firstUnstableOffset() {
        for (ProducerStateManager.UnstableTxn t : unstableTxns) {
            if (t.ongoing()) {
                return OptionalLong.of(t.firstOffset());
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The last stable offset for a given high watermark: the high watermark, capped by the first offset of the earliest
     * transaction that is ongoing or whose marker is at or above the high watermark (its outcome is not committed yet),
     * and never below the log start offset. Lock-free.
     */
    public long lastStableOffset(long highWatermark) {
        long lso = highWatermark;
        for (ProducerStateManager.UnstableTxn t : unstableTxns) {
            if (t.ongoing() || t.lastOffset() >= highWatermark) {
                lso = Math.min(lso, t.firstOffset());
                break;
            }
        }
        return Math.min(highWatermark, Math.max(lso, local.view().logStartOffset()));
    }

    /**
     * The high watermark moved to {@code highWatermark}: transactions whose marker is below it stop holding back the
     * last stable offset. Cheap when none is waiting; takes the lock otherwise.
     */
    public void onHighWatermark(long highWatermark) {
        boolean waiting = false;
        for (ProducerStateManager.UnstableTxn t : unstableTxns) {
            waiting |= !t.ongoing() && t.lastOffset() < highWatermark;
        }
        if (!waiting) {
            return;
        }
        lock.lock();
        try {
            if (producerState.onHighWatermark(highWatermark)) {
                publishTxnState();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The aborted transactions a read_committed fetch of [{@code fetchOffset}, {@code upperBoundOffset}) must know:
     * those whose ABORT marker is at or after fetchOffset and whose first offset is below upperBoundOffset, in log
     * order (Kafka's {@code collectAbortedTransactions}). Reads the in-memory transaction indexes of the segments from
     * the one holding fetchOffset on, stopping once an entry shows that no later one can start below the bound.
     */
    public List<AbortedTxn> collectAbortedTransactions(long fetchOffset, long upperBoundOffset) {
        return local.view().collectAbortedTransactions(fetchOffset, upperBoundOffset);
    }

    /**
     * The earliest record at or after the log start offset whose timestamp is >= {@code targetTimestamp}
     * (ListOffsets by timestamp), located via the time indexes and pinpointed by {@code scanner}.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long targetTimestamp, BatchRecordScanner scanner) {
        return local.view().offsetForTimestamp(local.dir(), targetTimestamp, scanner);
    }

    /**
     * The record with the largest timestamp in the log (ListOffsets MAX_TIMESTAMP): the first one carrying it,
     * or empty if the log is empty.
     */
    public Optional<TimestampOffset> maxTimestampOffset(BatchRecordScanner scanner) {
        return local.view().maxTimestampOffset(local.dir(), scanner);
    }

    /**
     * DeleteRecords: makes {@code offset} the log start offset (if higher) and deletes the segments wholly
     * below it.
     *
     * @throws OffsetOutOfRangeException if offset is beyond the log end offset
     */
    public void deleteRecordsBefore(long offset) {
        lock.lock();
        try {
            local.ensureWritable();
            LogView v = local.view();
            if (offset > v.logEndOffset()) {
                throw new OffsetOutOfRangeException("Cannot delete records before offset " + offset + " of "
                        + local.dir() + ": the log end offset is " + v.logEndOffset());
            }
            if (offset <= v.logStartOffset()) {
                return;
            }
            local.deleteOldestSegments(v.countSegmentsBelow(offset), offset, "log start offset " + offset);
        } catch (IOException e) {
            throw local.fail("Failed to delete records before " + offset + " in " + local.dir(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes the oldest segments breaching retention.ms (by their largest timestamp) or retention.bytes (both only
     * under {@code cleanup.policy} delete), or lying wholly below the log start offset; see {@link LogRetention}. The
     * active segment is never deleted.
     *
     * @return number of segments deleted
     */
    public int deleteRetainedSegments(long nowMs) {
        lock.lock();
        try {
            if (local.isClosedOrOffline()) {
                return 0;
            }
            LogRetention.Deletion deletion = LogRetention.segmentsToDelete(local.view(), local.config(), nowMs);
            if (deletion.count() > 0) {
                local.deleteOldestSegments(deletion.count(), 0, deletion.reason());
            }
            return deletion.count();
        } catch (IOException e) {
            throw local.fail("Failed to apply retention to " + local.dir(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Discards every record at or after {@code offset} (a follower diverging from its leader). Truncation is
     * batch-aligned: if {@code offset} falls inside a batch, that whole batch goes and the log end offset
     * becomes its base offset.
     */
    public void truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Cannot truncate " + local.dir() + " to negative offset " + offset);
        }
        lock.lock();
        try {
            local.ensureWritable();
            LogView v = local.view();
            if (offset >= v.logEndOffset()) {
                return;
            }
            if (offset <= v.segments().firstKey() || offset < v.logStartOffset()) {
                truncateFullyAndStartAt(offset);
                return;
            }
            local.startTruncation();
            lowerCleanerCheckpoint(offset);
            long logEnd = local.truncateSegmentsTo(offset);
            // The log end, not offset: truncation is batch-aligned and may have removed records below offset.
            leaderEpochs.truncateFromEnd(logEnd);
            LogView truncated = local.view();
            LogLoader.rebuildProducerState(local.dir(), truncated, producerState, truncated.logEndOffset());
            publishTxnState();
            log.info("{}: truncated to offset {}, log end offset now {}", local.dir(), offset, logEnd);
        } catch (IOException e) {
            throw local.fail("Failed to truncate " + local.dir() + " to " + offset, e);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes all segments and producer state and restarts the log, empty, at {@code offset}. */
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Cannot restart " + local.dir() + " at negative offset " + offset);
        }
        lock.lock();
        try {
            local.ensureWritable();
            local.startTruncation();
            lowerCleanerCheckpoint(offset);
            local.restartAt(offset);
            producerState.reset(Map.of(), offset);
            publishTxnState();
            leaderEpochs.clear();
            log.info("{}: truncated fully, log restarts at offset {}", local.dir(), offset);
        } catch (IOException e) {
            throw local.fail("Failed to restart " + local.dir() + " at " + offset, e);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: records cleaned at or after {@code offset} are gone, so they count as dirty again. */
    private void lowerCleanerCheckpoint(long offset) throws IOException {
        if (cleanerCheckpoint > offset) {
            cleanerCheckpoint = offset;
            Checkpoints.writeLong(local.dir().resolve(LogFileNames.CLEANER_CHECKPOINT_FILE), offset);
        }
    }

    /**
     * What the cleaner plans a cleaning from: a consistent view of the log, taken under the lock.
     *
     * @param cleanableUpperBound offsets at or above this must not be compacted (read just before the view)
     */
    record CleanerSnapshot(LogView view, long generation, long cleanerCheckpoint,
                           Map<Long, ProducerStateEntry> producers, long cleanableUpperBound) {
    }

    /** A snapshot for planning a cleaning, or null if the log is closed or offline. */
    CleanerSnapshot cleanerSnapshot() {
        // Read before the lock: the supplier belongs to the caller and may take its own locks. A bound that rose
        // meanwhile only makes this cleaning more conservative.
        long bound = cleanableUpperBound.getAsLong();
        lock.lock();
        try {
            if (local.isClosedOrOffline()) {
                return null;
            }
            return new CleanerSnapshot(local.view(), local.truncations(), cleanerCheckpoint, producerState.entries(),
                    bound);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Bounds compaction: the cleaner only rewrites segments that end at or below {@code bound.getAsLong()}, so records
     * that are not yet committed (at or above the high watermark, which lags the log end once there are followers) are
     * never compacted. Unbounded by default (then only the active segment is excluded).
     *
     * @param bound called by cleaner threads without any log lock held; must be cheap and must not block
     */
    public void setCleanableUpperBound(LongSupplier bound) {
        cleanableUpperBound = bound == null ? UNBOUNDED : bound;
    }

    /** First offset the cleaner has not compacted (may lie outside the log; the cleaner clamps it). */
    public long cleanerCheckpoint() {
        return cleanerCheckpoint;
    }

    /** Records that the cleaner compacted everything below {@code offset}. */
    void updateCleanerCheckpoint(long offset) {
        lock.lock();
        try {
            if (local.isClosedOrOffline()) {
                return;
            }
            cleanerCheckpoint = offset;
            Checkpoints.writeLong(local.dir().resolve(LogFileNames.CLEANER_CHECKPOINT_FILE), offset);
        } catch (IOException e) {
            throw local.fail("Failed to checkpoint the cleaner offset of " + local.dir(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces {@code sources} (consecutive, non-active segments) by {@code cleaned}, written, flushed and still
     * named {@code .cleaned}, with the same base offset as the first source; {@code end} is the base offset of the
     * segment after the last source. Follows {@link SegmentSwap}'s steps under the lock; the sources' files are
     * removed after {@code file.delete.delay.ms}, so readers holding slices of them finish undisturbed.
     *
     * @param generation {@link CleanerSnapshot#generation()} of the snapshot the cleaning was planned from
     * @return false, changing nothing, if the log changed meanwhile (a truncation, retention or DeleteRecords removed
     *         or rewrote a source, or the log was closed); the caller then discards {@code cleaned}
     */
    boolean replaceSegments(List<LogSegment> sources, LogSegment cleaned, long end, long generation) {
        return local.replaceSegments(sources, cleaned, end, generation);
    }

    /** Applies new settings to future appends, rolls, retention and flushes. */
    public void updateConfig(LogConfig newConfig) {
        local.updateConfig(newConfig);
    }

    /** Fsyncs everything appended so far and checkpoints the recovery point. */
    public void flush() {
        local.flush();
    }

    /** Flushes if {@code flush.ms} has passed since the last flush (called periodically). */
    void flushIfDue(long nowMs) {
        local.flushIfDue(nowMs);
    }

    /**
     * Flushes, writes the checkpoints and a producer state snapshot, closes the segments (trimming their
     * indexes) and writes the clean-shutdown marker. Slices handed out earlier become unusable.
     */
    @Override
    public void close() {
        local.close();
    }

    /**
     * Deletes the whole partition: renames the directory to {@code <name>.<uuid>-delete} at once (so a crash
     * cannot resurrect it), then closes and removes the files after {@code file.delete.delay.ms}.
     */
    public void delete() {
        local.delete();
    }

    @Override
    public String toString() {
        return "PartitionLog(" + local.dir() + ")";
    }
}
