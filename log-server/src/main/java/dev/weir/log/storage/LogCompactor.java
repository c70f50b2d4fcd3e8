package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Compacts one log (Kafka's Cleaner): builds an {@link OffsetMap} of the dirty segments, then rewrites every
 * cleanable segment up to the end of the mapped part, keeping a record only if no later record has its key; a
 * tombstone is kept until its delete horizon ({@code delete.retention.ms} after the cleaning that first kept it)
 * has passed. Records without a key are dropped. Offsets, producer ids, epochs and sequences of kept records are
 * unchanged; the last batch of each idempotent producer survives, empty if need be, so producer state can be
 * rebuilt from the log.
 *
 * <p>Transactions: records of aborted transactions (found through the transaction indexes) are removed and never
 * shadow an older committed value in the map. Control batches (COMMIT/ABORT markers) are always kept whole, so a
 * marker never disappears while its transaction's data may remain (Kafka removes markers once their data is gone and
 * {@code delete.retention.ms} has passed; Weir does not yet). Only segments below the cleanable upper bound, the
 * last stable offset, are cleaned, so every transaction with data in them is decided. The cleaned segment gets the
 * transaction index entries of the segments it replaces.
 *
 * <p>Consecutive segments are rewritten together into one cleaned segment while their sizes add up to at most
 * {@code segment.bytes}; each cleaned segment replaces its sources through {@link PartitionLog#replaceSegments}
 * (crash-safe, see {@link SegmentSwap}). Appends and reads continue meanwhile: the sources are immutable, and the log
 * lock is taken only for the swap.
 *
 * <p>Thread-safety: an instance cleans one log at a time; the {@link LogCleaner} never gives a log to two compactors.
 */
final class LogCompactor {

    private static final Logger log = LoggerFactory.getLogger(LogCompactor.class);
    /** Batches are read and filtered this many bytes at a time (or one batch, if larger). */
    private static final int READ_CHUNK_BYTES = 1024 * 1024;

    /**
     * Outcome of a cleaning.
     *
     * @param completed             false if it stopped early (log changed, cleaner stopping); nothing is lost either way
     * @param cleanedUpTo           the new cleaner checkpoint
     * @param earliestDeleteHorizon earliest delete horizon of a tombstone now in the log below cleanedUpTo
     *                              ({@link Long#MAX_VALUE} if none); meaningful only when completed
     */
    record Result(boolean completed, long cleanedUpTo, long earliestDeleteHorizon, long bytesRead, long bytesWritten) {
    }

    private final CompactionCodec codec;
    private final long mapBudgetBytes;
    private final BooleanSupplier stopping;

    LogCompactor(CompactionCodec codec, long mapBudgetBytes, BooleanSupplier stopping) {
        this.codec = codec;
        this.mapBudgetBytes = mapBudgetBytes;
        this.stopping = stopping;
    }

    Result clean(LogToClean target, long nowMs) throws IOException {
        PartitionLog partition = target.log;
        LogConfig config = partition.config();
        OffsetMap map = new OffsetMap();
        AbortedBatches aborted = AbortedBatches.of(target);
        long endOffset = buildMap(target, map, aborted);
        List<LogSegment> toRewrite = new ArrayList<>();
        for (LogSegment s : target.cleanableSegments) {
            if (nextBaseOffset(target, s) <= endOffset) {
                toRewrite.add(s);
            }
        }
        Retention retention = new Retention(map, aborted, target.snapshot.producers(), nowMs,
                config.cleanup().deleteRetentionMs());
        long read = 0;
        long written = 0;
        for (List<LogSegment> group : groupBySize(target, toRewrite, config.segmentBytes())) {
            long groupEnd = nextBaseOffset(target, group.get(group.size() - 1));
            LogSegment cleaned = rewrite(partition.dir(), group, config, retention, nowMs);
            if (cleaned == null) {
                return new Result(false, target.firstDirtyOffset, Long.MAX_VALUE, read, written);
            }
            for (LogSegment s : group) {
                read += s.size();
            }
            written += cleaned.size();
            if (!partition.replaceSegments(group, cleaned, groupEnd, target.snapshot.generation())) {
                cleaned.closeAndDelete();
                log.info("{}: log changed during cleaning; will retry", partition.dir());
                return new Result(false, target.firstDirtyOffset, Long.MAX_VALUE, read, written);
            }
        }
        long checkpoint = Math.max(target.firstDirtyOffset, endOffset);
        partition.updateCleanerCheckpoint(checkpoint);
        return new Result(true, checkpoint, retention.earliestHorizon, read, written);
    }

    /**
     * Maps the dirty segments, whole, until the map exceeds its budget (at least one segment is mapped).
     *
     * @return the offset below which the log is cleaned: the end of the last mapped segment, or of the clean part if
     *         nothing is dirty
     */
    private long buildMap(LogToClean target, OffsetMap map, AbortedBatches aborted) throws IOException {
        long end = -1;
        for (LogSegment s : target.cleanableSegments) {
            if (!target.dirtySegments.contains(s)) {
                end = nextBaseOffset(target, s);
            }
        }
        for (LogSegment s : target.dirtySegments) {
            if (map.size() > 0 && map.estimatedBytes() >= mapBudgetBytes) {
                break;
            }
            forEachChunk(s, chunk -> codec.forEachRecord(chunk, (key, offset, tombstone) -> {
                if (key != null && !aborted.contains(offset)) {
                    map.put(key, offset);
                }
            }));
            end = nextBaseOffset(target, s);
        }
        return end;
    }

    private static long nextBaseOffset(LogToClean target, LogSegment s) {
        return target.snapshot.view().segments().higherKey(s.baseOffset());
    }

    /** Runs of consecutive segments whose sizes add up to at most {@code maxBytes} and whose offsets fit one segment. */
    private static List<List<LogSegment>> groupBySize(LogToClean target, List<LogSegment> segments, int maxBytes) {
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> current = new ArrayList<>();
        long size = 0;
        for (LogSegment s : segments) {
            boolean fits = !current.isEmpty() && size + s.size() <= maxBytes
                    && nextBaseOffset(target, s) - 1 - current.get(0).baseOffset() <= Integer.MAX_VALUE;
            if (!current.isEmpty() && !fits) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(s);
            size += s.size();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    /** Writes the kept batches of {@code group} to a flushed {@code .cleaned} segment, or returns null if stopping. */
    private LogSegment rewrite(Path dir, List<LogSegment> group, LogConfig config, Retention retention, long nowMs)
            throws IOException {
        long base = group.get(0).baseOffset();
        for (Path f : List.of(LogFileNames.logFile(dir, base), LogFileNames.offsetIndexFile(dir, base),
                LogFileNames.timeIndexFile(dir, base))) {
            Files.deleteIfExists(f.resolveSibling(f.getFileName() + LogFileNames.CLEANED_SUFFIX));
        }
        LogSegment cleaned = LogSegment.create(dir, base, config, nowMs, LogFileNames.CLEANED_SUFFIX);
        boolean done = false;
        try {
            for (LogSegment source : group) {
                boolean complete = forEachChunk(source, chunk -> {
                    ByteBuffer kept = codec.filter(chunk, retention, nowMs, config.cleanup().deleteRetentionMs());
                    if (kept.hasRemaining()) {
                        cleaned.append(kept);
                    }
                });
                if (!complete) {
                    return null;
                }
            }
            for (LogSegment source : group) {
                for (AbortedTxn t : source.txnIndex().entries()) {
                    cleaned.txnIndex().append(t);
                }
            }
            cleaned.onBecomeInactive();
            cleaned.flush();
            // Retention falls back on the file time for segments without timestamps: keep the sources' (as Kafka does).
            Files.setLastModifiedTime(cleaned.logFile(),
                    Files.getLastModifiedTime(group.get(group.size() - 1).logFile()));
            done = true;
            return cleaned;
        } finally {
            if (!done) {
                cleaned.closeAndDelete();
            }
        }
    }

    private interface ChunkConsumer {
        void accept(ByteBuffer batches) throws IOException;
    }

    /**
     * Feeds the segment's batches to {@code consumer} in chunks of whole batches.
     *
     * @return false if the cleaner is stopping (not all chunks were fed)
     */
    private boolean forEachChunk(LogSegment segment, ChunkConsumer consumer) throws IOException {
        FileChannel channel = segment.channel();
        int end = segment.size();
        FileBatches batches = new FileBatches(channel, 0, end);
        FileBatch first = batches.next();
        while (first != null) {
            if (stopping.getAsBoolean()) {
                return false;
            }
            int start = first.position();
            int chunkEnd = start + first.header().sizeInBytes();
            FileBatch b;
            while ((b = batches.next()) != null && b.position() + b.header().sizeInBytes() - start <= READ_CHUNK_BYTES) {
                chunkEnd = b.position() + b.header().sizeInBytes();
            }
            ByteBuffer chunk = ByteBuffer.allocate(chunkEnd - start);
            while (chunk.hasRemaining()) {
                if (channel.read(chunk, start + chunk.position()) < 0) {
                    throw new IOException("unexpected end of " + segment.logFile() + " at " + (start + chunk.position()));
                }
            }
            consumer.accept(chunk.flip());
            first = b;
        }
        return true;
    }

    /**
     * The offset ranges of the data batches of aborted transactions in the cleanable segments: a transactional batch of
     * producer P is aborted if an aborted transaction of P (in any segment's transaction index) spans its base offset.
     */
    private static final class AbortedBatches {
        private final TreeMap<Long, Long> ranges = new TreeMap<>();

        static AbortedBatches of(LogToClean target) throws IOException {
            AbortedBatches out = new AbortedBatches();
            Map<Long, List<AbortedTxn>> byProducer = new HashMap<>();
            for (LogSegment s : target.snapshot.view().segments().values()) {
                for (AbortedTxn t : s.txnIndex().entries()) {
                    byProducer.computeIfAbsent(t.producerId(), pid -> new ArrayList<>()).add(t);
                }
            }
            if (byProducer.isEmpty()) {
                return out;
            }
            for (LogSegment s : target.cleanableSegments) {
                FileBatches batches = new FileBatches(s.channel(), 0, s.size());
                for (FileBatch b = batches.next(); b != null; b = batches.next()) {
                    RecordBatchHeader h = b.header();
                    if (!h.isTransactional() || h.isControl()) {
                        continue;
                    }
                    for (AbortedTxn t : byProducer.getOrDefault(h.producerId(), List.of())) {
                        if (t.firstOffset() <= h.baseOffset() && h.baseOffset() <= t.lastOffset()) {
                            out.ranges.put(h.baseOffset(), h.lastOffset());
                            break;
                        }
                    }
                }
            }
            return out;
        }

        boolean contains(long offset) {
            Map.Entry<Long, Long> e = ranges.floorEntry(offset);
            return e != null && offset <= e.getValue();
        }
    }

    /** The keep-or-drop rule, remembering the earliest delete horizon of the tombstones it keeps. */
    private static final class Retention implements CompactionCodec.RecordRetention {
        private final OffsetMap map;
        private final AbortedBatches aborted;
        private final Map<Long, ProducerStateEntry> producers;
        private final long nowMs;
        private final long deleteRetentionMs;
        long earliestHorizon = Long.MAX_VALUE;

        Retention(OffsetMap map, AbortedBatches aborted, Map<Long, ProducerStateEntry> producers, long nowMs,
                  long deleteRetentionMs) {
            this.map = map;
            this.aborted = aborted;
            this.producers = producers;
            this.nowMs = nowMs;
            this.deleteRetentionMs = deleteRetentionMs;
        }

        @Override
        public boolean retain(ByteBuffer key, long offset, boolean tombstone, long deleteHorizonMs) {
            if (key == null || map.get(key) > offset || aborted.contains(offset)) {
                return false;
            }
            if (!tombstone) {
                return true;
            }
            long horizon = deleteHorizonMs >= 0 ? deleteHorizonMs : nowMs + deleteRetentionMs;
            if (deleteHorizonMs >= 0 && nowMs >= deleteHorizonMs) {
                return false;
            }
            earliestHorizon = Math.min(earliestHorizon, horizon);
            return true;
        }

        @Override
        public boolean keepEmptyBatch(long producerId, long lastOffset) {
            ProducerStateEntry entry = producers.get(producerId);
            return entry != null && !entry.batches().isEmpty()
                    && entry.batches().get(entry.batches().size() - 1).lastOffset() == lastOffset;
        }
    }
}
