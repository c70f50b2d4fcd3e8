package dev.weir.log.storage;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.LogFixture.compactConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.storage.KeyedBatches.KeyedRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner never compacts a segment ending above the log's cleanable upper bound (the high watermark). */
@Tag("fast")
class LogCleanerUpperBoundTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log;
    LogCleaner cleaner;

    @BeforeEach
    void setUp() {
        log = logs.open(dir.resolve("t-0"), compactConfig(CleanupConfig.compactDefaults()));
        cleaner = logs.cleaner(() -> List.of(log));
    }

    /** Overwrites keys k0..k9 twenty times, one record per batch; returns the records appended. */
    List<KeyedRecord> overwrite() {
        List<KeyedRecord> appended = new ArrayList<>();
        for (int r = 0; r < 20; r++) {
            for (int k = 0; k < 10; k++) {
                long offset = log.appendAsLeader(KeyedBatches.batch(logs.clock.millis(), "k" + k, "v" + r), 0)
                        .firstOffset();
                appended.add(new KeyedRecord(offset, "k" + k, "v" + r));
            }
        }
        return appended;
    }

    @Test
    void onlySegmentsEndingAtOrBelowTheBoundAreCleaned() throws Exception {
        List<KeyedRecord> appended = overwrite();
        List<LogSegment> before = log.segments();
        assertTrue(before.size() > 5, "enough segments: " + before.size());
        long bound = before.get(2).baseOffset();
        AtomicLong highWatermark = new AtomicLong(0);
        log.setCleanableUpperBound(highWatermark::get);

        assertEquals(0, cleaner.cleanNow(1), "nothing is committed, nothing may be cleaned");
        assertEquals(before, log.segments());

        // Segment 2 holds offset `bound` but ends above bound + 1: it stays dirty.
        highWatermark.set(bound + 1);
        assertEquals(1, cleaner.cleanNow(1));

        assertEquals(bound, log.cleanerCheckpoint());
        assertEquals(LogCleanerTest.expectedAfterCleaning(appended, bound), KeyedBatches.readAll(log));
        List<LogSegment> after = log.segments();
        for (int i = 2; i < before.size(); i++) {
            assertSame(before.get(i), after.get(after.size() - before.size() + i), "segment " + i + " untouched");
        }

        log.setCleanableUpperBound(() -> Long.MAX_VALUE);
        assertTrue(cleaner.cleanNow(3) >= 1);
        long activeBase = after.get(after.size() - 1).baseOffset();
        assertEquals(activeBase, log.cleanerCheckpoint(), "unbounded: everything below the active segment");
        assertEquals(LogCleanerTest.expectedAfterCleaning(appended, activeBase), KeyedBatches.readAll(log));
    }

    @Test
    void unboundedByDefault() throws Exception {
        List<KeyedRecord> appended = overwrite();
        List<LogSegment> segments = log.segments();
        long activeBase = segments.get(segments.size() - 1).baseOffset();

        assertEquals(1, cleaner.cleanNow(1));

        assertEquals(activeBase, log.cleanerCheckpoint());
        assertEquals(LogCleanerTest.expectedAfterCleaning(appended, activeBase), KeyedBatches.readAll(log));
    }
}
