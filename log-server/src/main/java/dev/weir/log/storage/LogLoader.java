package dev.weir.log.storage;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Opens a partition log directory (the files are described on {@link PartitionLog}), as Kafka's {@code LogLoader}:
 * <ol>
 *   <li>finishes or discards an interrupted cleaner swap ({@link SegmentSwap#recover}) and removes {@code .deleted}
 *       and {@code .tmp} files and indexes without a segment;</li>
 *   <li>opens the segments and recovers those that may hold unflushed data (no {@code .clean-shutdown} marker:
 *       every segment from the recovery point on) or lack usable indexes: each is validated batch by batch and
 *       truncated after the last good batch, and a truncated segment ends the log (later ones are deleted);</li>
 *   <li>fits the log start offset, the recovery point and the leader epoch cache (rebuilt from the batch headers if
 *       missing or unreadable) to what survived;</li>
 *   <li>rebuilds the producer state from the newest usable snapshot and the batches after it, re-adding aborted
 *       transactions missing from their segment's transaction index;</li>
 *   <li>checkpoints the log start offset and recovery point and removes the clean-shutdown marker.</li>
 * </ol>
 * Runs on one thread before the log is published, so it takes no lock. On failure it releases the segments it
 * opened.
 */
final class LogLoader {

    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    /** What a load found: the view to publish and the state to start from. */
    record LoadedLog(LogView view, long recoveryPoint, long cleanerCheckpoint, LeaderEpochCache leaderEpochs,
                     long loadedAtMs) {
    }

    private final Path dir;
    private final LogConfig config;
    private final long now;
    private final ProducerStateManager producerState;
    /** The segments opened so far, released if the load fails. */
    private final TreeMap<Long, LogSegment> segments = new TreeMap<>();
    private long recoveryPoint;

    private LogLoader(Path dir, LogConfig config, long now, ProducerStateManager producerState) {
        this.dir = dir;
        this.config = config;
        this.now = now;
        this.producerState = producerState;
    }

    /**
     * Loads (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly, into
     * {@code producerState}.
     *
     * @throws KafkaStorageException on I/O failure
     */
    static LoadedLog load(Path dir, LogConfig config, long nowMs, ProducerStateManager producerState) {
        LogLoader loader = new LogLoader(dir, config, nowMs, producerState);
        try {
            return loader.load();
        } catch (IOException e) {
            loader.releaseAfterFailure();
            throw new KafkaStorageException("Failed to load log " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            loader.releaseAfterFailure();
            throw e;
        }
    }

    private LoadedLog load() throws IOException {
        Files.createDirectories(dir);
        SegmentSwap.recover(dir);
        removeLeftoverFiles();
        Path marker = dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        List<Long> baseOffsets = segmentBaseOffsets();
        boolean created = baseOffsets.isEmpty();
        long checkpointedStart = Checkpoints.readLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE)).orElse(0L);
        recoveryPoint = Checkpoints.readLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE)).orElse(0L);
        long cleanerCheckpoint = Checkpoints.readLong(dir.resolve(LogFileNames.CLEANER_CHECKPOINT_FILE)).orElse(0L);

        for (long base : baseOffsets) {
            segments.put(base, LogSegment.open(dir, base, config, now));
        }
        List<LogSegment> recovered = recoverSegments(clean);
        if (segments.isEmpty()) {
            segments.put(checkpointedStart, LogSegment.create(dir, checkpointedStart, config, now));
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
            active = LogSegment.create(dir, logStart, config, now);
            segments.put(logStart, active);
            logEnd = logStart;
            ProducerSnapshotFile.deleteRange(dir, 0, Long.MAX_VALUE);
        }
        for (LogSegment s : recovered) {
            if (s != active && segments.containsValue(s)) {
                s.onBecomeInactive();
            }
        }
        active.resizeIndexes(config.segmentIndexBytes());
        // Recovered segments were fsynced by recoverSegments, so the whole log is now durable.
        recoveryPoint = recovered.isEmpty() ? Math.min(recoveryPoint, logEnd) : logEnd;
        LogView view = new LogView(Collections.unmodifiableNavigableMap(segments), logStart, logEnd, active.size());
        LeaderEpochCache leaderEpochs = loadLeaderEpochs(view, created);
        // Recovered segments may lack transaction index entries: replay them all (from a snapshot at or below the first).
        long replayFrom = logEnd;
        for (LogSegment s : recovered) {
            if (segments.containsValue(s)) {
                replayFrom = Math.min(replayFrom, s.baseOffset());
            }
        }
        rebuildProducerState(dir, view, producerState, replayFrom);
        Checkpoints.writeLong(dir.resolve(LogFileNames.LOG_START_OFFSET_FILE), logStart);
        Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), recoveryPoint);
        Files.deleteIfExists(marker);
        Checkpoints.fsyncDirectory(dir);
        if (created) {
            log.info("{}: created an empty log at offset {}", dir, logStart);
        } else {
            log.info("{}: loaded {} segment(s), log start offset {}, log end offset {}{}", dir, segments.size(),
                    logStart, logEnd, clean ? "" : " (recovered after unclean shutdown)");
        }
        return new LoadedLog(view, recoveryPoint, cleanerCheckpoint, leaderEpochs, now);
    }

    /**
     * Loads the leader epoch checkpoint, or rebuilds it from the batch headers if missing (a data directory from before
     * leader epochs were tracked) or unreadable, and fits it to the recovered log: a crash or a torn tail may have left
     * entries at or after the log end.
     */
    private LeaderEpochCache loadLeaderEpochs(LogView view, boolean created) throws IOException {
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
        cache.truncateFromEnd(view.logEndOffset());
        cache.truncateFromStart(view.logStartOffset());
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
    private List<LogSegment> recoverSegments(boolean clean) throws IOException {
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

    /**
     * Rebuilds {@code producerState} from the newest usable snapshot at or below {@code maxSnapshotOffset} and the
     * batches of {@code v} after it, re-adding any aborted transaction missing from its segment's transaction index.
     * Also run by truncation (then under the log lock).
     */
    static void rebuildProducerState(Path dir, LogView v, ProducerStateManager producerState, long maxSnapshotOffset)
            throws IOException {
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
                            segment.txnIndex().append(producerState.indexEntry(t));
                        }
                    }
                }
            }
        }
        producerState.commit(producerState.newUpdate(), v.logEndOffset(), false);
    }

    private void releaseAfterFailure() {
        for (LogSegment s : segments.values()) {
            try {
                s.closeHandles();
            } catch (IOException e) {
                log.debug("{}: closing {} after a failed load", dir, s, e);
            }
        }
    }
}
