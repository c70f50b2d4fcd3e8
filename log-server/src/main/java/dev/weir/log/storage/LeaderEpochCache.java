package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The leader epoch history of one partition: for each leader epoch that wrote to the log, the offset of its first
 * record. Entries are strictly increasing in both epoch and start offset. Followers use it to find where their log
 * diverges from the leader's, and consumers to detect truncation (OffsetForLeaderEpoch, KIP-101/279).
 *
 * <p>On disk: {@code <partition dir>/leader-epoch-checkpoint} in Kafka's text format, oldest entry first:
 * <pre>
 * 0          version
 * 2          number of entries
 * 0 0        epoch startOffset
 * 3 120
 * </pre>
 * Every change rewrites the whole file atomically (temporary file, fsync, rename, directory fsync) before returning, so
 * a crash leaves either the old or the new history. Changes are rare (a new epoch, a truncation, a move of the log
 * start). Appends in the current epoch write nothing. {@link PartitionLog} records a new epoch <em>before</em> it
 * appends that epoch's records, so after a crash the file may run ahead of the log but never lags behind it; on open,
 * {@link #truncateFromEnd} trims it back to the recovered log end.
 *
 * <p>Thread-safety: every method is synchronized on the cache. {@link PartitionLog} also calls the methods that change
 * the cache under its own lock, so the cache and the segments change together.
 */
public final class LeaderEpochCache {

    private static final Logger log = LoggerFactory.getLogger(LeaderEpochCache.class);
    private static final String VERSION = "0";

    /** A leader epoch and the offset of its first record. */
    public record EpochEntry(int epoch, long startOffset) {
        public EpochEntry {
            if (epoch < 0 || startOffset < 0) {
                throw new IllegalArgumentException("invalid leader epoch entry: epoch " + epoch + ", start offset "
                        + startOffset + " (both must be >= 0)");
            }
        }
    }

    private final Path file;
    /** Oldest first; strictly increasing in epoch and start offset. */
    private final List<EpochEntry> entries;

    private LeaderEpochCache(Path file, List<EpochEntry> entries) {
        this.file = file;
        this.entries = new ArrayList<>(entries);
    }

    /** An empty history kept in {@code file}. Nothing is written until the first change. */
    public static LeaderEpochCache empty(Path file) {
        return new LeaderEpochCache(file, List.of());
    }

    /**
     * Reads the history from {@code file}.
     *
     * @return empty if the file is missing or unreadable (wrong version, wrong count, malformed or non-increasing
     *         entries); the caller then rebuilds the history from the log
     * @throws IOException if the file exists but cannot be read
     */
    public static Optional<LeaderEpochCache> load(Path file) throws IOException {
        List<String> lines;
        try {
            // ISO-8859-1 decodes any bytes, so a garbled file is reported as malformed below, not as an I/O error.
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LeaderEpochCache(file, parse(lines)));
        } catch (IllegalArgumentException e) {
            log.warn("{} is unreadable ({}); it will be rebuilt from the log", file, e.getMessage());
            return Optional.empty();
        }
    }

    private static List<EpochEntry> parse(List<String> lines) {
        if (lines.size() < 2 || !lines.get(0).trim().equals(VERSION)) {
            throw new IllegalArgumentException("expected version " + VERSION + " on line 1");
        }
        int count = Integer.parseInt(lines.get(1).trim());
        if (count < 0 || lines.size() < 2 + count) {
            throw new IllegalArgumentException("line 2 announces " + count + " entries, the file holds "
                    + (lines.size() - 2) + " more lines");
        }
        for (String extra : lines.subList(2 + count, lines.size())) {
            if (!extra.isBlank()) {
                throw new IllegalArgumentException("more entries than the " + count + " announced");
            }
        }
        List<EpochEntry> parsed = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String[] fields = lines.get(2 + i).trim().split("\\s+");
            if (fields.length != 2) {
                throw new IllegalArgumentException("line " + (3 + i) + " is not 'epoch startOffset'");
            }
            EpochEntry entry = new EpochEntry(Integer.parseInt(fields[0]), Long.parseLong(fields[1]));
            if (!parsed.isEmpty() && !follows(parsed.get(parsed.size() - 1), entry)) {
                throw new IllegalArgumentException("line " + (3 + i) + " does not increase epoch and start offset");
            }
            parsed.add(entry);
        }
        return parsed;
    }

    /**
     * A history built by {@link #assign assigning} each of {@code assignments} in order, then written once. Used to
     * rebuild a missing or unreadable checkpoint from the batch headers of the log.
     */
    public static LeaderEpochCache rebuild(Path file, List<EpochEntry> assignments) throws IOException {
        LeaderEpochCache cache = empty(file);
        synchronized (cache) {
            for (EpochEntry e : assignments) {
                cache.applyAssign(e.epoch(), e.startOffset());
            }
            cache.write();
        }
        return cache;
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. Ignored unless {@code epoch} is newer than the latest
     * epoch: appends in the current epoch land here all the time, and an older epoch must have been truncated away
     * first. As in Kafka, entries starting at or after {@code startOffset} contradict the new one and are removed.
     *
     * @throws IllegalArgumentException if epoch or startOffset is negative
     */
    public synchronized void assign(int epoch, long startOffset) throws IOException {
        EpochEntry latest = latestEntry();
        if (latest != null && epoch < latest.epoch()) {
            log.warn("{}: ignoring leader epoch {} at offset {}, older than the latest epoch {} (from offset {})",
                    file, epoch, startOffset, latest.epoch(), latest.startOffset());
        }
        if (applyAssign(epoch, startOffset)) {
            write();
        }
    }

    private boolean applyAssign(int epoch, long startOffset) {
        EpochEntry entry = new EpochEntry(epoch, startOffset);
        EpochEntry latest = latestEntry();
        if (latest != null && epoch <= latest.epoch()) {
            return false;
        }
        List<EpochEntry> removed = new ArrayList<>();
        while (!entries.isEmpty() && entries.get(entries.size() - 1).startOffset() >= startOffset) {
            removed.add(0, entries.remove(entries.size() - 1));
        }
        if (!removed.isEmpty()) {
            log.warn("{}: leader epoch {} starts at offset {}; removed the entries it contradicts: {}", file, epoch,
                    startOffset, removed);
        }
        entries.add(entry);
        return true;
    }

    public synchronized OptionalInt latestEpoch() {
        EpochEntry latest = latestEntry();
        return latest == null ? OptionalInt.empty() : OptionalInt.of(latest.epoch());
    }

    /** A copy of the entries, oldest first. */
    public synchronized List<EpochEntry> entries() {
        return List.copyOf(entries);
    }

    /**
     * Where {@code requestedEpoch} ends, as Kafka's leader answers OffsetForLeaderEpoch:
     * <ul>
     *   <li>the latest epoch: (latest, {@code logEndOffset}), as it is still being written;</li>
     *   <li>an older epoch: the largest known epoch at or below it, ending where the next known epoch starts;</li>
     *   <li>an epoch below the earliest known one (its records were deleted): (requested, start offset of the earliest
     *       entry), so that a follower truncates no further than where this log's history begins;</li>
     *   <li>a negative epoch, one newer than the latest, or an empty history: {@link EpochEndOffset#UNDEFINED}.</li>
     * </ul>
     */
    public synchronized EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        EpochEntry latest = latestEntry();
        if (requestedEpoch < 0 || latest == null || requestedEpoch > latest.epoch()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (requestedEpoch == latest.epoch()) {
            return new EpochEndOffset(latest.epoch(), logEndOffset);
        }
        int next = 0;
        while (entries.get(next).epoch() <= requestedEpoch) {
            next++;
        }
        if (next == 0) {
            return new EpochEndOffset(requestedEpoch, entries.get(0).startOffset());
        }
        return new EpochEndOffset(entries.get(next - 1).epoch(), entries.get(next).startOffset());
    }

    /** Removes the entries starting at or after {@code endOffset} (the log was truncated to end there). */
    public synchronized void truncateFromEnd(long endOffset) throws IOException {
        boolean changed = false;
        while (!entries.isEmpty() && entries.get(entries.size() - 1).startOffset() >= endOffset) {
            entries.remove(entries.size() - 1);
            changed = true;
        }
        if (changed) {
            write();
        }
    }

    /**
     * The log now starts at {@code startOffset}: removes the entries wholly below it and moves the start of the epoch
     * that holds it up to it.
     */
    public synchronized void truncateFromStart(long startOffset) throws IOException {
        int covering = -1;
        while (covering + 1 < entries.size() && entries.get(covering + 1).startOffset() <= startOffset) {
            covering++;
        }
        if (covering < 0 || (covering == 0 && entries.get(0).startOffset() == startOffset)) {
            return;
        }
        int epoch = entries.get(covering).epoch();
        entries.subList(0, covering + 1).clear();
        entries.add(0, new EpochEntry(epoch, startOffset));
        write();
    }

    /** Forgets every epoch (the log was emptied). */
    public synchronized void clear() throws IOException {
        if (!entries.isEmpty() || !Files.exists(file)) {
            entries.clear();
            write();
        }
    }

    public Path file() {
        return file;
    }

    private EpochEntry latestEntry() {
        return entries.isEmpty() ? null : entries.get(entries.size() - 1);
    }

    private static boolean follows(EpochEntry previous, EpochEntry next) {
        return next.epoch() > previous.epoch() && next.startOffset() > previous.startOffset();
    }

    private void write() throws IOException {
        StringBuilder text = new StringBuilder(VERSION).append('\n').append(entries.size()).append('\n');
        for (EpochEntry e : entries) {
            text.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        }
        Checkpoints.writeAtomically(file, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public synchronized String toString() {
        return "LeaderEpochCache(" + file + ", " + entries + ")";
    }
}
