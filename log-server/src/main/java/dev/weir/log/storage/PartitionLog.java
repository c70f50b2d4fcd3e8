package dev.weir.log.storage;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
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
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

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
 * <p>Thread-safety: all methods may be called from any thread. Appends, truncation, rolls, deletion, config
 * changes and close are serialized by a lock. Reads ({@link #read}, offset lookups, the accessors) take no lock:
 * they use an immutable {@link LogView} published after each change, so they never see a partial append.
 * Flushes (fsync) run outside the lock. I/O failures are reported as {@link KafkaStorageException}; after a failed
 * write the log refuses further writes.
 */
public final class PartitionLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    /** Serializes fsyncs, which run outside {@link #lock}. */
    private final Object flushLock = new Object();
    private final ProducerStateManager producerState = new ProducerStateManager();
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
    /** First offset the cleaner has not compacted; written to {@code cleaner-offset-checkpoint}. */
    private volatile long cleanerCheckpoint;
    private boolean closed;
    private boolean offline;
    /** Guarded by lock for changes (it also synchronizes itself); set by load. */
    private LeaderEpochCache leaderEpochs;
    /** Offsets at or above this are never compacted; read by the cleaner without the lock. */
    private volatile LongSupplier cleanableUpperBound = UNBOUNDED;
    /** Ongoing and unreplicated transactions by first offset, published after each change for lock-free LSO reads. */
    private volatile List<ProducerStateManager.UnstableTxn> unstableTxns = List.of();

    private static final LongSupplier UNBOUNDED = () -> Long.MAX_VALUE;

    private PartitionLog(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** Opens (creating if needed) the log in {@code dir}, using a shared daemon thread for background work. */
    public static PartitionLog open(Path dir, LogConfig config, Clock clock) {
        return open(dir, config, clock, StorageScheduler.shared());
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly.
     *
     * @param scheduler runs delayed file deletions and flushes after a roll; owned by the caller
     */
    public static PartitionLog open(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        PartitionLog partitionLog = new PartitionLog(dir, config, clock, scheduler);
        partitionLog.lock.lock();
        try {
            partitionLog.load();
        } catch (IOException e) {
            partitionLog.releaseAfterFailedLoad();
            throw new KafkaStorageException("Failed to load log " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            partitionLog.releaseAfterFailedLoad();
            throw e;
        } finally {
            partitionLog.lock.unlock();
        }
        return partitionLog;
    }

    private void load() throws IOException {
        Files.createDirectories(dir);
        SegmentSwap.recover(dir);
        removeLeftoverFiles();
        Path marker = dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        List<Long> baseOffsets = segmentBaseOffsets();
        boolean created = baseOffsets.isEmpty();
        long checkpointedStart = Checkpoints.readLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE)).orElse(0L);
        recoveryPoint = Checkpoints.readLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE)).orElse(0L);
        cleanerCheckpoint = Checkpoints.readLong(dir.resolve(LogFileNames.CLEANER_CHECKPOINT_FILE)).orElse(0L);
        long now = clock.millis();
        LogConfig cfg = config;

        TreeMap<Long, LogSegment> segments = new TreeMap<>();
        // Published early so that a failure below can release what was opened.
        view = new LogView(segments, 0, 0, 0);
        for (long base : baseOffsets) {
            segments.put(base, LogSegment.open(dir, base, cfg, now));
        }
        List<LogSegment> recovered = recoverSegments(segments, clean);
        if (segments.isEmpty()) {
            segments.put(checkpointedStart, LogSegment.create(dir, checkpointedStart, cfg, now));
        }
        LogSegment active = segments.lastEntry().getValue();
        long logEnd = active.readNextOffset();
        long logStart = Math.max(checkpointedStart, segments.firstKey());
        if (logStart > logEnd) {
            log.warn("{}: log start offset {} is beyond the recovered log end offset {}; starting an empty log at {}",
                    dir, logStart, logEnd, logStart);
            for (LogSegment s : segments.values()) {
                s.closeAndDelete();
            }
            segments.clear();
            active = LogSegment.create(dir, logStart, cfg, now);
            segments.put(logStart, active);
            logEnd = logStart;
            ProducerSnapshotFile.deleteRange(dir, 0, Long.MAX_VALUE);
        }
        for (LogSegment s : recovered) {
            if (s != active && segments.containsValue(s)) {
                s.onBecomeInactive();
            }
        }
        active.resizeIndexes(cfg.segmentIndexBytes());
        // Recovered segments were fsynced by recoverSegments, so the whole log is now durable.
        recoveryPoint = recovered.isEmpty() ? Math.min(recoveryPoint, logEnd) : logEnd;
        view = new LogView(Collections.unmodifiableNavigableMap(segments), logStart, logEnd, active.size());
        leaderEpochs = loadLeaderEpochs(logStart, logEnd, created);
        // Recovered segments may lack transaction index entries: replay them all (from a snapshot at or below the first).
        long replayFrom = logEnd;
        for (LogSegment s : recovered) {
            if (segments.containsValue(s)) {
                replayFrom = Math.min(replayFrom, s.baseOffset());
            }
        }
        rebuildProducerState(replayFrom);
        Checkpoints.writeLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE), logStart);
        Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), recoveryPoint);
        Files.deleteIfExists(marker);
        Checkpoints.fsyncDirectory(dir);
        lastFlushMs = now;
        if (created) {
            log.info("{}: created an empty log at offset {}", dir, logStart);
        } else {
            log.info("{}: loaded {} segment(s), log start offset {}, log end offset {}{}", dir, segments.size(),
                    logStart, logEnd, clean ? "" : " (recovered after unclean shutdown)");
        }
    }

    /**
     * Loads the leader epoch checkpoint, or rebuilds it from the batch headers if missing (a data directory from before
     * leader epochs were tracked) or unreadable, and fits it to the recovered log: a crash or a torn tail may have left
     * entries at or after the log end.
     */
    private LeaderEpochCache loadLeaderEpochs(long logStart, long logEnd, boolean created) throws IOException {
        Path file = dir.resolve(LogFileNames.LEADER_EPOCH_CHECKPOINT_FILE);
        Optional<LeaderEpochCache> loaded = LeaderEpochCache.load(file);
        LeaderEpochCache cache;
        if (loaded.isPresent()) {
            cache = loaded.get();
        } else {
            cache = LeaderEpochCache.rebuild(file, scanLeaderEpochs(view));
            if (!created) {
                List<LeaderEpochCache.EpochEntry> rebuilt = cache.entries();
                log.info("{}: rebuilt {} from the batch headers: {} epoch(s){}", dir, file.getFileName(),
                        rebuilt.size(), rebuilt.isEmpty() ? "" : ", latest " + rebuilt.get(rebuilt.size() - 1));
            }
        }
        cache.truncateFromEnd(logEnd);
        cache.truncateFromStart(logStart);
        return cache;
    }

    /** Each batch whose leader epoch is set, as an (epoch, base offset) assignment, in log order. */
    private static List<LeaderEpochCache.EpochEntry> scanLeaderEpochs(LogView v) throws IOException {
        List<LeaderEpochCache.EpochEntry> found = new ArrayList<>();
        int last = -1;
        for (LogSegment segment : v.segments().values()) {
            FileBatches batches = new FileBatches(segment.channel(), 0, v.endPosition(segment));
            for (FileBatch b = batches.next(); b != null; b = batches.next()) {
                int epoch = b.header().partitionLeaderEpoch();
                if (epoch > last) {
                    found.add(new LeaderEpochCache.EpochEntry(epoch, b.header().baseOffset()));
                    last = epoch;
                }
            }
        }
        return found;
    }

    private void removeLeftoverFiles() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            boolean orphanIndex = (name.endsWith(LogFileNames.INDEX_SUFFIX) || name.endsWith(LogFileNames.TIME_INDEX_SUFFIX)
                    || name.endsWith(LogFileNames.TXN_INDEX_SUFFIX))
                    && !Files.exists(f.resolveSibling(name.substring(0, name.lastIndexOf('.')) + LogFileNames.LOG_SUFFIX));
            if (name.endsWith(LogFileNames.DELETED_SUFFIX) || name.endsWith(LogFileNames.TMP_SUFFIX) || orphanIndex) {
                Files.deleteIfExists(f);
            }
        }
    }

    private List<Long> segmentBaseOffsets() throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(f -> LogFileNames.offsetOf(f, LogFileNames.LOG_SUFFIX).ifPresent(offsets::add));
        }
        Collections.sort(offsets);
        return offsets;
    }

    /**
     * Recovers the segments that may hold unflushed data (after an unclean shutdown) or lack usable indexes.
     * A segment truncated by recovery ends the log: later segments are deleted.
     *
     * @return the segments recovered
     */
    private List<LogSegment> recoverSegments(TreeMap<Long, LogSegment> segments, boolean clean) throws IOException {
        List<LogSegment> toRecover = new ArrayList<>();
        for (Map.Entry<Long, LogSegment> e : segments.entrySet()) {
            Long next = segments.higherKey(e.getKey());
            boolean unflushed = !clean && (next == null || next > recoveryPoint);
            if (unflushed || e.getValue().indexesNeedRebuild()) {
                toRecover.add(e.getValue());
            }
        }
        if (toRecover.isEmpty()) {
            return toRecover;
        }
        log.info("{}: recovering {} segment(s) from offset {} ({})", dir, toRecover.size(),
                toRecover.get(0).baseOffset(), clean ? "indexes missing or corrupt" : "unclean shutdown");
        int done = 0;
        for (LogSegment segment : toRecover) {
            if (!segments.containsValue(segment)) {
                break;
            }
            int truncated = segment.recover();
            segment.flush();
            done++;
            log.info("{}: recovered segment {} ({}/{}){}", dir, segment.baseOffset(), done, toRecover.size(),
                    truncated > 0 ? ", truncated " + truncated + " invalid bytes" : "");
            if (truncated > 0) {
                NavigableMap<Long, LogSegment> later = segments.tailMap(segment.baseOffset(), false);
                for (LogSegment s : later.values()) {
                    log.warn("{}: deleting segment {} after the truncated one", dir, s.baseOffset());
                    s.closeAndDelete();
                }
                later.clear();
            }
        }
        Checkpoints.fsyncDirectory(dir);
        return toRecover;
    }

    /** Rebuilds producer state from the newest usable snapshot and the batches after it. */
    private void rebuildProducerState() throws IOException {
        rebuildProducerState(view.logEndOffset());
    }

    /**
     * Rebuilds producer state from the newest usable snapshot at or below {@code maxSnapshotOffset} and the batches
     * after it, re-adding any aborted transaction missing from its segment's transaction index.
     */
    private void rebuildProducerState(long maxSnapshotOffset) throws IOException {
        LogView v = view;
        ProducerSnapshotFile.deleteRange(dir, v.logEndOffset() + 1, Long.MAX_VALUE);
        Optional<ProducerSnapshotFile.Snapshot> snapshot = ProducerSnapshotFile.loadLatest(dir,
                Math.min(maxSnapshotOffset, v.logEndOffset()));
        long from = snapshot.map(ProducerSnapshotFile.Snapshot::offset).orElse(v.segments().firstKey());
        producerState.reset(snapshot.map(ProducerSnapshotFile.Snapshot::entries).orElse(Map.of()), from);
        if (from < v.logEndOffset()) {
            log.info("{}: rebuilding producer state from offset {} to {}", dir, from, v.logEndOffset());
            Long firstSegment = v.segments().floorKey(from);
            for (LogSegment segment : v.segments().tailMap(firstSegment == null ? v.segments().firstKey() : firstSegment, true).values()) {
                FileBatches batches = new FileBatches(segment.channel(), segment.offsetIndex().lookup(from).position(),
                        v.endPosition(segment));
                for (FileBatch b = batches.next(); b != null; b = batches.next()) {
                    RecordBatchHeader h = b.header();
                    if (h.lastOffset() < from || !h.hasProducerId()) {
                        continue;
                    }
                    // One update per batch: an aborted transaction's index entry needs the state just after it.
                    ProducerStateManager.Update update = producerState.newUpdate();
                    if (h.isControl()) {
                        Optional<TxnMarker> marker = TxnMarker.parse(segment.readBatch(b), 0, h);
                        if (marker.isEmpty()) {
                            continue;
                        }
                        update.appendMarker(h, marker.get(), h.baseOffset(), h.maxTimestamp(), false);
                    } else {
                        update.appendUnchecked(h, h.baseOffset(), h.lastOffset(), h.maxTimestamp());
                    }
                    for (CompletedTxn t : producerState.commit(update, h.lastOffset() + 1, false)) {
                        if (t.aborted() && !segment.txnIndex().containsMarker(t.lastOffset())) {
                            segment.txnIndex().append(abortedTxn(t));
                        }
                    }
                }
            }
        }
        producerState.commit(producerState.newUpdate(), v.logEndOffset(), false);
        publishTxnState();
    }

    /** The index entry of an aborted transaction, just after its marker was applied to the producer state. */
    private AbortedTxn abortedTxn(CompletedTxn t) {
        return new AbortedTxn(t.producerId(), t.firstOffset(), t.lastOffset(),
                producerState.firstOngoingOffset().orElse(t.lastOffset() + 1));
    }

    /** Under the lock, after the producer state changed. */
    private void publishTxnState() {
        unstableTxns = List.copyOf(producerState.unstable());
    }

    /**
     * Writes the index entries of the transactions that markers just aborted, into {@code segment} (which holds the
     * markers). Under the lock, after the append was written and the producer state committed.
     */
    private void indexAborted(LogSegment segment, List<CompletedTxn> completed) {
        try {
            for (CompletedTxn t : completed) {
                if (t.aborted()) {
                    segment.txnIndex().append(abortedTxn(t));
                }
            }
        } catch (IOException e) {
            throw fail("Failed to write the transaction index of " + segment, e);
        }
        publishTxnState();
    }

    private void releaseAfterFailedLoad() {
        LogView v = view;
        if (v == null) {
            return;
        }
        for (LogSegment s : v.segments().values()) {
            try {
                s.closeHandles();
            } catch (IOException e) {
                log.debug("{}: closing {} after a failed load", dir, s, e);
            }
        }
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
            ensureWritable();
            LogConfig cfg = config;
            List<RecordBatchHeader> headers = BatchValidator.validateForLeader(records, cfg, origin);
            LogView v = view;
            if (headers.isEmpty()) {
                return new LogAppendInfo(-1L, -1L, RecordBatchHeader.NO_TIMESTAMP, v.logStartOffset(), 0, false);
            }
            long now = clock.millis();
            ProducerStateManager.Update update = producerState.newUpdate();
            long firstOffset = v.logEndOffset();
            long next = firstOffset;
            long maxTimestamp = RecordBatchHeader.NO_TIMESTAMP;
            int count = 0;
            int batchPosition = records.position();
            for (RecordBatchHeader h : headers) {
                long last = next + h.lastOffsetDelta();
                long timestamp = cfg.logAppendTime() ? now : h.maxTimestamp();
                if (h.isControl()) {
                    TxnMarker marker = TxnMarker.parse(records, batchPosition, h).orElseThrow(() ->
                            new org.apache.kafka.common.InvalidRecordException("Control batch of producer "
                                    + h.producerId() + " is not a COMMIT or ABORT marker"));
                    update.appendMarker(h, marker, next, timestamp, true);
                } else if (h.hasProducerId() && origin == AppendOrigin.COORDINATOR) {
                    // Coordinator batches (transactional offset commits) reuse sequence 0: epoch check only, as Kafka.
                    update.appendForCoordinator(h, next, last, timestamp);
                } else if (h.hasProducerId()) {
                    Optional<BatchMetadata> duplicate = update.findDuplicate(h);
                    if (duplicate.isPresent()) {
                        BatchMetadata d = duplicate.get();
                        return new LogAppendInfo(d.firstOffset(), d.lastOffset(), RecordBatchHeader.NO_TIMESTAMP,
                                v.logStartOffset(), (int) (d.lastOffset() - d.firstOffset() + 1), true);
                    }
                    update.appendAsLeader(h, next, last, timestamp);
                }
                maxTimestamp = Math.max(maxTimestamp, timestamp);
                count += h.recordsCount();
                next = last + 1;
                batchPosition += h.sizeInBytes();
            }
            if (leaderEpoch >= 0) {
                // Recorded before the records are written: after a crash the history may run ahead of the log (trimmed
                // on open) but never lack an epoch the log holds.
                assignLeaderEpoch(leaderEpoch, firstOffset);
            }
            ByteBuffer buffer = records.isReadOnly() ? copyOf(records) : records;
            int position = buffer.position();
            long offset = firstOffset;
            for (RecordBatchHeader h : headers) {
                RecordBatchHeader.setBaseOffset(buffer, position, offset);
                RecordBatchHeader.setPartitionLeaderEpoch(buffer, position, leaderEpoch);
                if (cfg.logAppendTime()) {
                    RecordBatchHeader.setLogAppendTime(buffer, position, now);
                }
                offset += h.lastOffsetDelta() + 1L;
                position += h.sizeInBytes();
            }
            appendToActiveSegment(buffer, firstOffset, next, maxTimestamp, now);
            indexAborted(view.active(), producerState.commit(update, next, true));
            maybeFlushByMessages();
            return new LogAppendInfo(firstOffset, next - 1, cfg.logAppendTime() ? now : RecordBatchHeader.NO_TIMESTAMP,
                    view.logStartOffset(), count, false);
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
            ensureWritable();
            LogView v = view;
            List<RecordBatchHeader> headers = BatchValidator.validateForFollower(records, v.logEndOffset(), config);
            if (headers.isEmpty()) {
                return new LogAppendInfo(-1L, -1L, RecordBatchHeader.NO_TIMESTAMP, v.logStartOffset(), 0, false);
            }
            ProducerStateManager.Update update = producerState.newUpdate();
            long maxTimestamp = RecordBatchHeader.NO_TIMESTAMP;
            int count = 0;
            int batchPosition = records.position();
            for (RecordBatchHeader h : headers) {
                if (h.hasProducerId() && h.isControl()) {
                    Optional<TxnMarker> marker = TxnMarker.parse(records, batchPosition, h);
                    if (marker.isPresent()) {
                        update.appendMarker(h, marker.get(), h.baseOffset(), h.maxTimestamp(), false);
                    }
                } else if (h.hasProducerId()) {
                    update.appendUnchecked(h, h.baseOffset(), h.lastOffset(), h.maxTimestamp());
                }
                maxTimestamp = Math.max(maxTimestamp, h.maxTimestamp());
                count += h.recordsCount();
                batchPosition += h.sizeInBytes();
            }
            for (RecordBatchHeader h : headers) {
                if (h.partitionLeaderEpoch() >= 0) {
                    assignLeaderEpoch(h.partitionLeaderEpoch(), h.baseOffset());
                }
            }
            long firstOffset = headers.get(0).baseOffset();
            long next = headers.get(headers.size() - 1).lastOffset() + 1;
            appendToActiveSegment(records, firstOffset, next, maxTimestamp, clock.millis());
            indexAborted(view.active(), producerState.commit(update, next, true));
            maybeFlushByMessages();
            return new LogAppendInfo(firstOffset, next - 1, RecordBatchHeader.NO_TIMESTAMP, view.logStartOffset(),
                    count, false);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void assignLeaderEpoch(int epoch, long startOffset) {
        try {
            leaderEpochs.assign(epoch, startOffset);
        } catch (IOException e) {
            throw fail("Failed to checkpoint leader epoch " + epoch + " of " + dir, e);
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
            if (closed || offline) {
                return;
            }
            leaderEpochs.assign(leaderEpoch, view.logEndOffset());
        } catch (IOException e) {
            fail("Failed to checkpoint leader epoch " + leaderEpoch + " of " + dir, e);
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
            return leaderEpochs.endOffsetFor(epoch, view.logEndOffset());
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

    private static ByteBuffer copyOf(ByteBuffer records) {
        ByteBuffer copy = ByteBuffer.allocate(records.remaining());
        copy.put(records.duplicate()).flip();
        return copy;
    }

    private void appendToActiveSegment(ByteBuffer batches, long firstOffset, long nextOffset, long maxTimestamp,
                                       long now) {
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
        ProducerSnapshotFile.write(dir, baseOffset, producerState.entries());
        LogSegment segment = LogSegment.create(dir, baseOffset, config, now);
        segments.put(baseOffset, segment);
        long logStart = Math.max(v.logStartOffset(), segments.firstKey());
        view = new LogView(Collections.unmodifiableNavigableMap(segments), logStart, v.logEndOffset(), 0);
        if (logStart != v.logStartOffset()) {
            leaderEpochs.truncateFromStart(logStart);
        }
        scheduleFlush(baseOffset);
        log.info("{}: rolled new segment at offset {} in {} ms", dir, baseOffset,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return segment;
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
        LogView v = view;
        if (startOffset < v.logStartOffset() || startOffset > v.logEndOffset()) {
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is out of range for " + dir
                    + ": the log holds offsets [" + v.logStartOffset() + ", " + v.logEndOffset() + ")");
        }
        LogSegment active = v.active();
        FileSlice empty = new FileSlice(active.channel(), v.activeEndPosition(), 0);
        if (startOffset == v.logEndOffset()) {
            return new LogReadInfo(empty, v.logStartOffset(), v.logEndOffset());
        }
        try {
            Map.Entry<Long, LogSegment> entry = v.segments().floorEntry(startOffset);
            if (entry == null) {
                entry = v.segments().firstEntry();
            }
            while (entry != null) {
                LogSegment segment = entry.getValue();
                FileSlice slice = segment.read(startOffset, maxBytes, v.endPosition(segment), maxOffsetExclusive,
                        minOneMessage);
                if (slice != null) {
                    return new LogReadInfo(slice, v.logStartOffset(), v.logEndOffset(),
                            exactUpperBound ? offsetAfter(v, segment, slice) : v.logEndOffset());
                }
                entry = v.segments().higherEntry(entry.getKey());
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to read " + dir + " at offset " + startOffset + ": "
                    + e.getMessage(), e);
        }
        return new LogReadInfo(empty, v.logStartOffset(), v.logEndOffset());
    }

    /** Base offset of the batch after {@code slice} (of {@code segment}), else of the next segment, else the log end. */
    private static long offsetAfter(LogView v, LogSegment segment, FileSlice slice) throws IOException {
        long position = slice.position() + slice.size();
        if (position + RecordBatchHeader.HEADER_SIZE <= v.endPosition(segment)) {
            ByteBuffer baseOffset = ByteBuffer.allocate(8);
            while (baseOffset.hasRemaining()
                    && segment.channel().read(baseOffset, position + baseOffset.position()) >= 0) {
                // positional reads until the 8 bytes are in
            }
            return baseOffset.getLong(0);
        }
        Long nextSegment = v.segments().higherKey(segment.baseOffset());
        return nextSegment != null ? nextSegment : v.logEndOffset();
    }

    public long logStartOffset() {
        return view.logStartOffset();
    }

    public long logEndOffset() {
        return view.logEndOffset();
    }

    /** Bytes in all segments. */
    public long size() {
        return view.sizeInBytes();
    }

    public int segmentCount() {
        return view.segments().size();
    }

    /** The segments in offset order (a snapshot; do not modify them). */
    public List<LogSegment> segments() {
        return List.copyOf(view.segments().values());
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** Offset below which the log is known to be on disk. */
    public long recoveryPoint() {
        lock.lock();
        try {
            return recoveryPoint;
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
        return Math.min(highWatermark, Math.max(lso, view.logStartOffset()));
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
        List<AbortedTxn> out = new ArrayList<>();
        if (upperBoundOffset <= fetchOffset) {
            return out;
        }
        LogView v = view;
        Long start = v.segments().floorKey(fetchOffset);
        for (LogSegment segment : v.segments().tailMap(start == null ? v.segments().firstKey() : start, true).values()) {
            if (segment.txnIndex().collect(fetchOffset, upperBoundOffset, out)) {
                break;
            }
        }
        return out;
    }

    /**
     * The earliest record at or after the log start offset whose timestamp is >= {@code targetTimestamp}
     * (ListOffsets by timestamp), located via the time indexes and pinpointed by {@code scanner}.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long targetTimestamp, BatchRecordScanner scanner) {
        LogView v = view;
        try {
            for (LogSegment segment : v.segments().values()) {
                if (segment.maxTimestampSoFar().timestamp() < targetTimestamp) {
                    continue;
                }
                Optional<TimestampOffset> found = segment.findOffsetByTimestamp(targetTimestamp, v.logStartOffset(),
                        v.endPosition(segment), scanner);
                if (found.isPresent()) {
                    return found;
                }
            }
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to search " + dir + " by timestamp: " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    /**
     * The record with the largest timestamp in the log (ListOffsets MAX_TIMESTAMP): the first one carrying it,
     * or empty if the log is empty.
     */
    public Optional<TimestampOffset> maxTimestampOffset(BatchRecordScanner scanner) {
        LogView v = view;
        if (v.logStartOffset() >= v.logEndOffset()) {
            return Optional.empty();
        }
        LogSegment best = null;
        for (LogSegment segment : v.segments().values()) {
            if (best == null || segment.maxTimestampSoFar().timestamp() > best.maxTimestampSoFar().timestamp()) {
                best = segment;
            }
        }
        try {
            return best.findMaxTimestampRecord(v.endPosition(best), scanner);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to search " + dir + " for its max timestamp: " + e.getMessage(), e);
        }
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
            ensureWritable();
            LogView v = view;
            if (offset > v.logEndOffset()) {
                throw new OffsetOutOfRangeException("Cannot delete records before offset " + offset + " of " + dir
                        + ": the log end offset is " + v.logEndOffset());
            }
            if (offset <= v.logStartOffset()) {
                return;
            }
            int deletable = countSegmentsBelow(v, offset);
            deleteOldestSegments(deletable, offset, "log start offset " + offset);
        } catch (IOException e) {
            throw fail("Failed to delete records before " + offset + " in " + dir, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes the oldest segments breaching retention.ms (by their largest timestamp) or retention.bytes (both only
     * under {@code cleanup.policy} delete), or lying wholly below the log start offset. The active segment is never
     * deleted.
     *
     * @return number of segments deleted
     */
    public int deleteRetainedSegments(long nowMs) {
        lock.lock();
        try {
            if (closed || offline) {
                return 0;
            }
            LogView v = view;
            LogConfig cfg = config;
            List<LogSegment> candidates = new ArrayList<>(v.segments().values());
            candidates.remove(candidates.size() - 1);
            int byTime = 0;
            if (cfg.retentionMs() >= 0 && cfg.cleanup().delete()) {
                for (LogSegment s : candidates) {
                    if (nowMs - s.largestTimestamp() <= cfg.retentionMs()) {
                        break;
                    }
                    byTime++;
                }
            }
            int bySize = 0;
            if (cfg.retentionBytes() >= 0 && cfg.cleanup().delete()) {
                long excess = v.sizeInBytes() - cfg.retentionBytes();
                for (LogSegment s : candidates) {
                    if (excess - s.size() < 0) {
                        break;
                    }
                    excess -= s.size();
                    bySize++;
                }
            }
            int byStart = countSegmentsBelow(v, v.logStartOffset());
            int count = Math.max(byTime, Math.max(bySize, byStart));
            if (count > 0) {
                String reason = byTime == count ? "retention.ms " + cfg.retentionMs()
                        : bySize == count ? "retention.bytes " + cfg.retentionBytes() : "log start offset";
                deleteOldestSegments(count, 0, reason);
            }
            return count;
        } catch (IOException e) {
            throw fail("Failed to apply retention to " + dir, e);
        } finally {
            lock.unlock();
        }
    }

    /** Number of leading segments whose records all lie below {@code offset} (never the active one). */
    private static int countSegmentsBelow(LogView v, long offset) {
        int count = 0;
        Long next;
        for (Long base = v.segments().firstKey(); (next = v.segments().higherKey(base)) != null; base = next) {
            if (next > offset) {
                break;
            }
            count++;
        }
        return count;
    }

    private void deleteOldestSegments(int count, long minLogStart, String reason) throws IOException {
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
            leaderEpochs.truncateFromStart(logStart);
        }
        for (LogSegment s : removed) {
            log.info("{}: deleting segment {} ({})", dir, s.baseOffset(), reason);
            s.renameToDeleted();
            scheduleDelete(s);
        }
        ProducerSnapshotFile.deleteRange(dir, 0, remaining.firstKey());
    }

    /**
     * Discards every record at or after {@code offset} (a follower diverging from its leader). Truncation is
     * batch-aligned: if {@code offset} falls inside a batch, that whole batch goes and the log end offset
     * becomes its base offset.
     */
    public void truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Cannot truncate " + dir + " to negative offset " + offset);
        }
        lock.lock();
        try {
            ensureWritable();
            LogView v = view;
            if (offset >= v.logEndOffset()) {
                return;
            }
            if (offset <= v.segments().firstKey() || offset < v.logStartOffset()) {
                truncateFullyAndStartAt(offset);
                return;
            }
            truncations++;
            lowerCleanerCheckpoint(offset);
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
            // The log end, not offset: truncation is batch-aligned and may have removed records below offset.
            leaderEpochs.truncateFromEnd(logEnd);
            rebuildProducerState();
            log.info("{}: truncated to offset {}, log end offset now {}", dir, offset, logEnd);
        } catch (IOException e) {
            throw fail("Failed to truncate " + dir + " to " + offset, e);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes all segments and producer state and restarts the log, empty, at {@code offset}. */
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Cannot restart " + dir + " at negative offset " + offset);
        }
        lock.lock();
        try {
            ensureWritable();
            truncations++;
            lowerCleanerCheckpoint(offset);
            LogView v = view;
            for (LogSegment s : v.segments().values()) {
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
            producerState.reset(Map.of(), offset);
            publishTxnState();
            leaderEpochs.clear();
            log.info("{}: truncated fully, log restarts at offset {}", dir, offset);
        } catch (IOException e) {
            throw fail("Failed to restart " + dir + " at " + offset, e);
        } finally {
            lock.unlock();
        }
    }

    /** Records read and cleaned by the cleaner at or after {@code offset} are gone: they count as dirty again. */
    private void lowerCleanerCheckpoint(long offset) throws IOException {
        if (cleanerCheckpoint > offset) {
            cleanerCheckpoint = offset;
            Checkpoints.writeLong(dir.resolve(LogFileNames.CLEANER_CHECKPOINT_FILE), offset);
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
            if (closed || offline) {
                return null;
            }
            return new CleanerSnapshot(view, truncations, cleanerCheckpoint, producerState.entries(), bound);
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
            if (closed || offline) {
                return;
            }
            cleanerCheckpoint = offset;
            Checkpoints.writeLong(dir.resolve(LogFileNames.CLEANER_CHECKPOINT_FILE), offset);
        } catch (IOException e) {
            throw fail("Failed to checkpoint the cleaner offset of " + dir, e);
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

    /** Applies new settings to future appends, rolls, retention and flushes. */
    public void updateConfig(LogConfig newConfig) {
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

    /** Fsyncs everything appended so far and checkpoints the recovery point. */
    public void flush() {
        flushUpTo(view.logEndOffset());
    }

    /** Flushes if {@code flush.ms} has passed since the last flush (called periodically). */
    void flushIfDue(long nowMs) {
        if (nowMs - lastFlushMs >= config.flushMs()) {
            flush();
        }
    }

    private void maybeFlushByMessages() {
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

    /**
     * Flushes, writes the checkpoints and a producer state snapshot, closes the segments (trimming their
     * indexes) and writes the clean-shutdown marker. Slices handed out earlier become unusable.
     */
    @Override
    public void close() {
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
            ProducerSnapshotFile.write(dir, v.logEndOffset(), producerState.entries());
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
            lock.unlock();
        }
    }

    /**
     * Deletes the whole partition: renames the directory to {@code <name>.<uuid>-delete} at once (so a crash
     * cannot resurrect it), then closes and removes the files after {@code file.delete.delay.ms}.
     */
    public void delete() {
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
            lock.unlock();
        }
    }

    private void ensureWritable() {
        if (offline) {
            throw new KafkaStorageException("Log " + dir + " is offline after an I/O error");
        }
        if (closed) {
            throw new KafkaStorageException("Log " + dir + " is closed");
        }
    }

    /** Takes the log offline after a failed write: its files may no longer match its in-memory state. */
    private KafkaStorageException fail(String message, IOException e) {
        offline = true;
        log.error("{}; log {} is now offline", message, dir, e);
        return new KafkaStorageException(message + ": " + e.getMessage(), e);
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

    @Override
    public String toString() {
        return "PartitionLog(" + dir + ")";
    }
}
