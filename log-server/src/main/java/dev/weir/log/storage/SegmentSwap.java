package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The crash-safe replacement of a run of segments by one cleaned segment, and its completion after a crash.
 *
 * <p>Steps and files (B = base offset of the first replaced segment, also the cleaned segment's; E = exclusive end
 * offset of the replaced run, i.e. the next segment's base offset):
 * <ol>
 *   <li>the cleaner writes and fsyncs {@code B.log.cleaned}, {@code B.index.cleaned}, {@code B.timeindex.cleaned};</li>
 *   <li>{@code B.swap-end} is written atomically with E;</li>
 *   <li>the cleaned files are renamed to {@code .swap}, indexes first, {@code B.log.swap} last: that rename is the
 *       commit point;</li>
 *   <li>the replaced segments are renamed to {@code .deleted} (removed later, once readers are done with them);</li>
 *   <li>the {@code .swap} files are renamed to their final names, indexes first, and {@code B.swap-end} is removed.</li>
 * </ol>
 * {@link #recover} runs before a log loads: if {@code B.log.swap} exists the swap committed, so every segment file
 * with a base offset in [B, E) is deleted and the {@code .swap} files take their final names (an index missing
 * after that is rebuilt by the load); otherwise the cleaned files are discarded and the originals stand. Either way
 * the log holds exactly the original records or exactly the cleaned ones.
 *
 * <p>Stateless; the caller serializes calls for one directory (the partition lock, or the load).
 */
final class SegmentSwap {

    private static final Logger log = LoggerFactory.getLogger(SegmentSwap.class);

    private SegmentSwap() {
    }

    /**
     * Steps 2 and 3: commits {@code cleaned} (flushed, files ending in {@code .cleaned}) as the replacement of the
     * segments with base offsets in [cleaned base, {@code end}).
     */
    static void commit(Path dir, LogSegment cleaned, long end) throws IOException {
        Checkpoints.writeLong(LogFileNames.swapEndFile(dir, cleaned.baseOffset()), end);
        cleaned.changeFileSuffixes(LogFileNames.CLEANED_SUFFIX, LogFileNames.SWAP_SUFFIX);
        Checkpoints.fsyncDirectory(dir);
    }

    /** Step 5, once the replaced segments were renamed away: the swapped segment takes its final name. */
    static void complete(Path dir, LogSegment swapped) throws IOException {
        swapped.changeFileSuffixes(LogFileNames.SWAP_SUFFIX, "");
        Checkpoints.fsyncDirectory(dir);
        Files.deleteIfExists(LogFileNames.swapEndFile(dir, swapped.baseOffset()));
        Checkpoints.fsyncDirectory(dir);
    }

    /** Finishes committed swaps and discards uncommitted cleaner output in {@code dir} (a log about to load). */
    static void recover(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.toList();
        }
        boolean changed = false;
        for (Path f : files) {
            OptionalLong base = LogFileNames.offsetOf(stripSuffix(f, LogFileNames.SWAP_SUFFIX), LogFileNames.LOG_SUFFIX);
            if (f.getFileName().toString().endsWith(LogFileNames.LOG_SUFFIX + LogFileNames.SWAP_SUFFIX)
                    && base.isPresent()) {
                finishSwap(dir, base.getAsLong());
                changed = true;
            }
        }
        try (Stream<Path> list = Files.list(dir)) {
            files = list.toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(LogFileNames.CLEANED_SUFFIX) || name.endsWith(LogFileNames.SWAP_SUFFIX)
                    || name.endsWith(LogFileNames.SWAP_END_SUFFIX)) {
                log.info("{}: discarding unfinished cleaner output {}", dir, name);
                Files.delete(f);
                changed = true;
            }
        }
        if (changed) {
            Checkpoints.fsyncDirectory(dir);
        }
    }

    private static void finishSwap(Path dir, long base) throws IOException {
        Path endFile = LogFileNames.swapEndFile(dir, base);
        OptionalLong end = Files.exists(endFile) ? Checkpoints.readLong(endFile) : OptionalLong.empty();
        // Without its end marker (never the case if written by commit) only the segment of the same base is replaced.
        long replacedEnd = end.orElse(base + 1);
        List<Long> replaced = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(f -> LogFileNames.offsetOf(f, LogFileNames.LOG_SUFFIX).ifPresent(b -> {
                if (b >= base && b < replacedEnd) {
                    replaced.add(b);
                }
            }));
        }
        for (long b : replaced) {
            Files.deleteIfExists(LogFileNames.logFile(dir, b));
        }
        for (long b : replaced) {
            Files.deleteIfExists(LogFileNames.offsetIndexFile(dir, b));
            Files.deleteIfExists(LogFileNames.timeIndexFile(dir, b));
            Files.deleteIfExists(LogFileNames.txnIndexFile(dir, b));
        }
        // An index renamed to its final name before the crash was just deleted with the replaced ones: the load
        // rebuilds it. One still ending in .swap is the cleaned segment's.
        moveIfExists(swapped(LogFileNames.offsetIndexFile(dir, base)), LogFileNames.offsetIndexFile(dir, base));
        moveIfExists(swapped(LogFileNames.timeIndexFile(dir, base)), LogFileNames.timeIndexFile(dir, base));
        moveIfExists(swapped(LogFileNames.txnIndexFile(dir, base)), LogFileNames.txnIndexFile(dir, base));
        Checkpoints.fsyncDirectory(dir);
        Files.move(swapped(LogFileNames.logFile(dir, base)), LogFileNames.logFile(dir, base), StandardCopyOption.ATOMIC_MOVE);
        Checkpoints.fsyncDirectory(dir);
        Files.deleteIfExists(endFile);
        log.info("{}: finished swapping in cleaned segment {} (replacing {} segment(s) up to offset {})", dir, base,
                replaced.size(), end.isPresent() ? end.getAsLong() : "?");
    }

    private static Path swapped(Path file) {
        return file.resolveSibling(file.getFileName() + LogFileNames.SWAP_SUFFIX);
    }

    private static void moveIfExists(Path from, Path to) throws IOException {
        if (Files.exists(from)) {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path stripSuffix(Path file, String suffix) {
        String name = file.getFileName().toString();
        return name.endsWith(suffix) ? file.resolveSibling(name.substring(0, name.length() - suffix.length())) : file;
    }
}
