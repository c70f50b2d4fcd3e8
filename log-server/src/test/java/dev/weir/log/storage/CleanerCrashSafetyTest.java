package dev.weir.log.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.protocol.KafkaCompactionCodec;
import dev.weir.log.storage.KeyedBatches.KeyedRecord;
import dev.weir.log.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash at each step of {@link SegmentSwap}: the partition directory is assembled by hand as the crash would leave
 * it, from the files of the log before cleaning and those of the cleaned segment, then opened (without clean-shutdown
 * marker). The log must hold exactly the original records before the commit point and exactly the cleaned ones from
 * it on, with no cleaner leftovers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("fast")
class CleanerCrashSafetyTest {

    static final long T0 = 1_700_000_000_000L;

    /** Where the crash happened, in the order of {@link SegmentSwap}'s steps. */
    enum Crash {
        WHILE_WRITING_CLEANED(false),
        AFTER_SWAP_END_MARKER(false),
        AFTER_INDEXES_RENAMED_TO_SWAP(false),
        AFTER_LOG_RENAMED_TO_SWAP(true),
        AFTER_FIRST_SOURCE_RENAMED_TO_DELETED(true),
        AFTER_ALL_SOURCES_RENAMED_TO_DELETED(true),
        AFTER_INDEXES_TOOK_FINAL_NAMES(true),
        BEFORE_SWAP_END_MARKER_REMOVED(true);

        final boolean committed;

        Crash(boolean committed) {
            this.committed = committed;
        }
    }

    @TempDir
    static Path root;
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Path original;
    Path cleaned;
    List<KeyedRecord> originalRecords;
    List<KeyedRecord> cleanedRecords;
    /** Base offsets of the original non-active segments, all replaced by one cleaned segment at the first. */
    List<Long> sources;
    PartitionLog opened;

    static LogConfig config(int segmentBytes) {
        return LogConfig.defaults().withSegmentBytes(segmentBytes).withIndexIntervalBytes(100).withFileDeleteDelayMs(0)
                .withSegmentIndexBytes(4096).withCleanup(CleanupConfig.compactDefaults());
    }

    @BeforeAll
    void buildOriginalAndCleaned() throws IOException {
        MutableClock clock = new MutableClock(T0);
        original = root.resolve("original").resolve("t-0");
        PartitionLog log = PartitionLog.open(original, config(1024), clock, scheduler);
        for (int r = 0; r < 10; r++) {
            for (int k = 0; k < 8; k++) {
                log.appendAsLeader(KeyedBatches.batch(clock.millis(), "k" + k, r == 9 && k == 3 ? null : "v" + r), 0);
            }
        }
        originalRecords = KeyedBatches.readAll(log);
        sources = log.segments().stream().map(LogSegment::baseOffset).toList();
        sources = sources.subList(0, sources.size() - 1);
        assertTrue(sources.size() >= 3, "several segments to replace: " + sources);
        log.close();

        cleaned = root.resolve("cleaned").resolve("t-0");
        copyDir(original, cleaned);
        // Segments this size let every source go into one cleaned segment.
        PartitionLog toClean = PartitionLog.open(cleaned, config(1 << 20), clock, scheduler);
        LogCleaner cleaner = new LogCleaner(() -> List.of(toClean), new KafkaCompactionCodec(), clock,
                new LogCleaner.Settings(10, 1, 1 << 20));
        assertEquals(1, cleaner.cleanNow(1));
        cleanedRecords = KeyedBatches.readAll(toClean);
        assertEquals(2, toClean.segmentCount(), "one cleaned segment replaced all sources");
        toClean.close();
        assertNotEquals(originalRecords, cleanedRecords);
    }

    @AfterEach
    void closeLog() {
        if (opened != null) {
            opened.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Crash.class)
    void aCrashAtAnyStepLeavesExactlyTheOriginalOrTheCleanedRecords(Crash crash) throws IOException {
        Path dir = root.resolve(crash.name()).resolve("t-0");
        copyDir(original, dir);
        Files.delete(dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE));
        long base = sources.get(0);
        long end;
        try (Stream<Path> files = Files.list(original)) {
            end = files.flatMap(f -> LogFileNames.offsetOf(f, LogFileNames.LOG_SUFFIX).stream().boxed())
                    .filter(b -> !sources.contains(b)).findFirst().orElseThrow();
        }
        List<String> names = List.of(LogFileNames.offsetIndexFile(dir, base).getFileName().toString(),
                LogFileNames.timeIndexFile(dir, base).getFileName().toString(),
                LogFileNames.logFile(dir, base).getFileName().toString());
        int step = crash.ordinal();
        // Step 1: cleaned output written.
        for (String n : names) {
            Files.copy(cleaned.resolve(n), dir.resolve(n + LogFileNames.CLEANED_SUFFIX));
        }
        if (step >= Crash.AFTER_SWAP_END_MARKER.ordinal()) {
            Checkpoints.writeLong(LogFileNames.swapEndFile(dir, base), end);
        }
        if (step >= Crash.AFTER_INDEXES_RENAMED_TO_SWAP.ordinal()) {
            rename(dir, names.get(0) + ".cleaned", names.get(0) + ".swap");
            rename(dir, names.get(1) + ".cleaned", names.get(1) + ".swap");
        }
        if (step >= Crash.AFTER_LOG_RENAMED_TO_SWAP.ordinal()) {
            rename(dir, names.get(2) + ".cleaned", names.get(2) + ".swap");
        }
        int toDelete = step >= Crash.AFTER_ALL_SOURCES_RENAMED_TO_DELETED.ordinal() ? sources.size()
                : step >= Crash.AFTER_FIRST_SOURCE_RENAMED_TO_DELETED.ordinal() ? 1 : 0;
        for (long source : sources.subList(0, toDelete)) {
            for (Path f : List.of(LogFileNames.logFile(dir, source), LogFileNames.offsetIndexFile(dir, source),
                    LogFileNames.timeIndexFile(dir, source))) {
                rename(dir, f.getFileName().toString(), f.getFileName() + LogFileNames.DELETED_SUFFIX);
            }
        }
        if (step >= Crash.AFTER_INDEXES_TOOK_FINAL_NAMES.ordinal()) {
            rename(dir, names.get(0) + ".swap", names.get(0));
            rename(dir, names.get(1) + ".swap", names.get(1));
        }
        if (step >= Crash.BEFORE_SWAP_END_MARKER_REMOVED.ordinal()) {
            rename(dir, names.get(2) + ".swap", names.get(2));
        }

        opened = PartitionLog.open(dir, config(1024), new MutableClock(T0), scheduler);

        assertEquals(crash.committed ? cleanedRecords : originalRecords, KeyedBatches.readAll(opened));
        assertEquals(80, opened.logEndOffset());
        List<String> leftovers = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".swap-end")
                            || n.endsWith(".deleted"))
                    .forEach(leftovers::add);
        }
        assertEquals(List.of(), leftovers);
        // The log still works: appends go after the recovered end.
        assertEquals(80, opened.appendAsLeader(KeyedBatches.batch(T0, "k0", "after"), 0).firstOffset());
    }

    @Test
    void theCleanedLogReopensWithItsRecords() throws IOException {
        Path dir = root.resolve("reopen").resolve("t-0");
        copyDir(cleaned, dir);
        opened = PartitionLog.open(dir, config(1024), new MutableClock(T0), scheduler);
        assertEquals(cleanedRecords, KeyedBatches.readAll(opened));
    }

    private static void rename(Path dir, String from, String to) throws IOException {
        Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
