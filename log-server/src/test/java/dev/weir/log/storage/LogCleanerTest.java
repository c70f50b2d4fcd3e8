package dev.weir.log.storage;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.LogFixture.compactConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.protocol.KafkaCompactionCodec;
import dev.weir.log.storage.KeyedBatches.KeyedRecord;
import dev.weir.log.storage.KeyedBatches.StoredBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class LogCleanerTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log;
    LogCleaner cleaner;

    static CleanupConfig compact() {
        return CleanupConfig.compactDefaults();
    }

    PartitionLog open(LogConfig config) {
        log = logs.open(dir.resolve("t-0"), config);
        cleaner = logs.cleaner(() -> List.of(log));
        return log;
    }

    /** Appends key=value as one batch per record and returns the offset. */
    long put(String key, String value) {
        return log.appendAsLeader(KeyedBatches.batch(logs.clock.millis(), key, value), 0).firstOffset();
    }

    /** Overwrites keys k0..k(keys-1) {@code rounds} times; returns every record appended, in order. */
    List<KeyedRecord> overwrite(int keys, int rounds) {
        List<KeyedRecord> appended = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < keys; k++) {
                String value = "v" + r;
                appended.add(new KeyedRecord(put("k" + k, value), "k" + k, value));
            }
        }
        return appended;
    }

    /**
     * What compaction must leave: below the active segment the latest record of each key there (a record superseded
     * only by one in the active segment stays: the active segment is not mapped, as in Kafka), then everything from
     * {@code activeBase} on.
     */
    static List<KeyedRecord> expectedAfterCleaning(List<KeyedRecord> appended, long activeBase) {
        Map<String, Long> latest = new HashMap<>();
        appended.stream().filter(r -> r.offset() < activeBase).forEach(r -> latest.put(r.key(), r.offset()));
        return appended.stream().filter(r -> r.offset() >= activeBase || latest.get(r.key()) == r.offset()).toList();
    }

    long activeBase() {
        List<LogSegment> segments = log.segments();
        return segments.get(segments.size() - 1).baseOffset();
    }

    @Test
    void keepsTheLastRecordPerKeyAtItsOffsetAndLeavesTheActiveSegmentAlone() throws Exception {
        open(compactConfig(compact()));
        List<KeyedRecord> appended = overwrite(10, 20);
        assertTrue(log.segmentCount() > 5);
        LogSegment active = log.segments().get(log.segmentCount() - 1);
        int activeSize = active.size();
        long sizeBefore = log.size();

        assertEquals(1, cleaner.cleanNow(1));

        assertEquals(expectedAfterCleaning(appended, active.baseOffset()), KeyedBatches.readAll(log));
        assertSame(active, log.segments().get(log.segmentCount() - 1), "the active segment is never cleaned");
        assertEquals(activeSize, active.size());
        assertTrue(log.size() < sizeBefore / 3, "cleaning shrank the log: " + sizeBefore + " -> " + log.size());
        assertEquals(active.baseOffset(), log.cleanerCheckpoint());
        assertEquals(0, log.logStartOffset());
        assertEquals(200, log.logEndOffset());
        // Nothing left to do until enough new dirt arrives.
        assertEquals(0, cleaner.cleanNow(1));
    }

    @Test
    void cleanedLogSurvivesReopenAndTakesAppends() throws Exception {
        open(compactConfig(compact()));
        List<KeyedRecord> appended = new ArrayList<>(overwrite(10, 20));
        cleaner.cleanNow(1);
        List<KeyedRecord> cleaned = KeyedBatches.readAll(log);
        log.close();
        open(compactConfig(compact()));
        assertEquals(cleaned, KeyedBatches.readAll(log));
        assertEquals(200, put("k0", "after"));
        appended.add(new KeyedRecord(200, "k0", "after"));
        cleaner.cleanNow(3);
        Map<String, String> last = new LinkedHashMap<>();
        KeyedBatches.readAll(log).forEach(r -> last.put(r.key(), r.value()));
        assertEquals("after", last.get("k0"));
        assertEquals("v19", last.get("k9"));
    }

    @Test
    void compressedBatchesAreRewrittenKeepingTheirKeptRecords() throws Exception {
        open(compactConfig(compact()));
        List<KeyedRecord> appended = new ArrayList<>();
        for (int r = 0; r < 30; r++) {
            long base = log.appendAsLeader(KeyedBatches.gzipBatch(logs.clock.millis(), "a", "a" + r, "b", "b" + r,
                    "c" + r, "c"), 0).firstOffset();
            appended.add(new KeyedRecord(base, "a", "a" + r));
            appended.add(new KeyedRecord(base + 1, "b", "b" + r));
            appended.add(new KeyedRecord(base + 2, "c" + r, "c"));
        }
        assertTrue(log.segmentCount() > 2);
        cleaner.cleanNow(1);
        assertEquals(expectedAfterCleaning(appended, activeBase()), KeyedBatches.readAll(log));
    }

    @Test
    void tombstonesStayUntilDeleteRetentionAfterTheCleaningThatKeptThemThenGo() throws Exception {
        open(compactConfig(compact().withDeleteRetentionMs(60_000)));
        overwrite(5, 10);
        long tombstone = put("k2", null);
        overwrite(5, 10);
        long lateTombstone = put("k3", null);
        overwrite(1, 30); // k0 only: rolls k3's tombstone out of the active segment
        assertTrue(activeBase() > lateTombstone);

        cleaner.cleanNow(1);
        List<KeyedRecord> afterFirst = KeyedBatches.readAll(log);
        assertTrue(afterFirst.contains(new KeyedRecord(lateTombstone, "k3", null)), "the latest tombstone stays");
        assertFalse(afterFirst.stream().anyMatch(r -> r.offset() == tombstone), "a superseded tombstone goes");
        assertEquals(List.of(lateTombstone), afterFirst.stream().filter(r -> "k3".equals(r.key()))
                .map(KeyedRecord::offset).toList(), "the values before the tombstone are gone");
        assertTrue(KeyedBatches.storedBatches(log).stream().anyMatch(b -> b.baseOffset() == lateTombstone
                && b.hasDeleteHorizon()), "the batch keeping the tombstone carries its delete horizon");

        logs.clock.advance(59_999);
        assertEquals(0, cleaner.cleanNow(1), "nothing dirty, horizon not reached");
        assertTrue(KeyedBatches.readAll(log).contains(new KeyedRecord(lateTombstone, "k3", null)));

        logs.clock.advance(1);
        assertEquals(1, cleaner.cleanNow(1), "the passed horizon alone makes the log cleanable");
        List<KeyedRecord> afterHorizon = KeyedBatches.readAll(log);
        assertFalse(afterHorizon.stream().anyMatch(r -> "k3".equals(r.key())), "tombstone removed: " + afterHorizon);
        assertEquals(0, cleaner.cleanNow(1), "no further cleaning once the tombstones are gone");
    }

    @Test
    void recordsYoungerThanMinCompactionLagAreNotCleaned() throws Exception {
        open(compactConfig(compact().withMinCompactionLagMs(10_000)));
        List<KeyedRecord> appended = overwrite(10, 10);
        List<KeyedRecord> before = KeyedBatches.readAll(log);
        assertEquals(0, cleaner.cleanNow(1));
        assertEquals(before, KeyedBatches.readAll(log));

        logs.clock.advance(10_001);
        assertEquals(1, cleaner.cleanNow(1));
        assertEquals(expectedAfterCleaning(appended, activeBase()), KeyedBatches.readAll(log));
    }

    @Test
    void minCompactionLagSplitsTheLogAtTheFirstYoungSegment() throws Exception {
        open(compactConfig(compact().withMinCompactionLagMs(10_000)));
        List<KeyedRecord> appended = new ArrayList<>(overwrite(10, 10));
        logs.clock.advance(10_001);
        long firstYoung = log.logEndOffset();
        appended.addAll(overwrite(10, 10));
        assertEquals(1, cleaner.cleanNow(1));
        long checkpoint = log.cleanerCheckpoint();
        assertTrue(checkpoint <= firstYoung, "young records stay dirty: checkpoint " + checkpoint);
        List<KeyedRecord> log1 = KeyedBatches.readAll(log);
        for (KeyedRecord r : appended) {
            if (r.offset() >= checkpoint) {
                assertTrue(log1.contains(r), "young record " + r + " is untouched");
            }
        }
    }

    @Test
    void dirtyRatioBelowTheMinimumLeavesTheLogAlone() throws Exception {
        open(compactConfig(compact().withMinCleanableDirtyRatio(0.9)));
        // Unique keys: nothing to compact, so the clean part stays large.
        for (int i = 0; i < 100; i++) {
            put("unique" + i, "x");
        }
        cleaner.cleanNow(1);
        long checkpoint = log.cleanerCheckpoint();
        assertTrue(checkpoint > 0);
        overwrite(2, 10);
        List<KeyedRecord> before = KeyedBatches.readAll(log);
        assertEquals(0, cleaner.cleanNow(1), "dirty ratio below 0.9");
        assertEquals(before, KeyedBatches.readAll(log));
        assertEquals(checkpoint, log.cleanerCheckpoint());
    }

    @Test
    void maxCompactionLagForcesCleaningBelowTheDirtyRatio() throws Exception {
        open(compactConfig(compact().withMinCleanableDirtyRatio(0.99).withMaxCompactionLagMs(60_000)));
        for (int i = 0; i < 100; i++) {
            put("unique" + i, "x");
        }
        cleaner.cleanNow(1);
        overwrite(2, 10);
        assertEquals(0, cleaner.cleanNow(1));
        logs.clock.advance(60_001);
        assertEquals(1, cleaner.cleanNow(1), "the oldest dirty record is older than max.compaction.lag.ms");
    }

    @Test
    void maxCompactionLagRollsTheActiveSegment() {
        open(compactConfig(compact().withMaxCompactionLagMs(60_000)));
        put("a", "1");
        logs.clock.advance(60_001);
        put("a", "2");
        assertEquals(2, log.segmentCount());
    }

    @Test
    void logsUnderDeletePolicyAreNotCompactedAndCompactOnlyLogsIgnoreRetention() throws Exception {
        open(compactConfig(CleanupConfig.DELETE));
        overwrite(2, 40);
        List<KeyedRecord> before = KeyedBatches.readAll(log);
        assertEquals(0, cleaner.cleanNow(1));
        assertEquals(before, KeyedBatches.readAll(log));

        log.updateConfig(compactConfig(compact()).withRetentionMs(1));
        logs.clock.advance(10);
        assertEquals(0, log.deleteRetainedSegments(logs.clock.millis()), "compact alone: retention.ms does not apply");
        log.updateConfig(compactConfig(compact().withPolicy(true, true)).withRetentionMs(1));
        assertTrue(log.deleteRetainedSegments(logs.clock.millis()) > 0, "compact,delete: retention.ms applies");
    }

    @Test
    void keylessRecordsAreDroppedAndTheLastBatchOfAnIdempotentProducerStaysEmpty() throws Exception {
        open(compactConfig(compact()));
        put(null, "no key");
        long pid = 42;
        long lastIdempotent = -1;
        for (int seq = 0; seq < 5; seq++) {
            lastIdempotent = log.appendAsLeader(KeyedBatches.idempotentBatch(pid, (short) 0, seq, logs.clock.millis(),
                    "a", "p" + seq), 0).firstOffset();
        }
        overwrite(1, 1); // k0
        long plainA = put("a", "plain");
        overwrite(1, 30);
        cleaner.cleanNow(1);

        List<KeyedRecord> records = KeyedBatches.readAll(log);
        assertFalse(records.stream().anyMatch(r -> r.key() == null), "keyless record dropped");
        assertEquals(List.of(plainA), records.stream().filter(r -> "a".equals(r.key())).map(KeyedRecord::offset).toList());
        long last = lastIdempotent;
        List<StoredBatch> producerBatches = KeyedBatches.storedBatches(log).stream()
                .filter(b -> b.producerId() == pid).toList();
        assertEquals(List.of(new StoredBatch(last, last, 0, pid, false)), producerBatches,
                "only the producer's last batch remains, empty");

        // Producer state rebuilt from the log alone still knows the producer's last sequence.
        log.close();
        try (var files = java.nio.file.Files.list(dir.resolve("t-0"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) {
                java.nio.file.Files.delete(f);
            }
        }
        open(compactConfig(compact()));
        assertEquals(4, log.producerStates().get(pid).lastSeq());
    }

    @Test
    void aReaderHoldingSlicesOfReplacedSegmentsFinishesReadingThem() throws Exception {
        open(compactConfig(compact()).withFileDeleteDelayMs(60_000));
        List<KeyedRecord> appended = overwrite(10, 20);
        LogReadInfo before = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true);
        cleaner.cleanNow(1);
        ByteBuffer bytes = TestBatches.readSlice(before.records());
        List<KeyedRecord> old = new ArrayList<>();
        for (var b : org.apache.kafka.common.record.internal.MemoryRecords.readableRecords(bytes).batches()) {
            b.ensureValid();
            b.forEach(r -> old.add(new KeyedRecord(r.offset(), "k" + (r.offset() % 10), "v" + (r.offset() / 10))));
        }
        assertEquals(appended.subList(0, old.size()), old);
    }

    @Test
    void aLogTruncatedDuringCleaningIsNotSwapped() throws Exception {
        // Truncated segments stay readable for a while, so the compactor gets to the swap and is refused there.
        open(compactConfig(compact()).withFileDeleteDelayMs(60_000));
        overwrite(10, 20);
        PartitionLog.CleanerSnapshot snapshot = log.cleanerSnapshot();
        LogToClean target = LogToClean.of(log, snapshot, log.config().cleanup(), logs.clock.millis(), Long.MAX_VALUE);
        log.truncateTo(150);
        List<KeyedRecord> truncated = KeyedBatches.readAll(log);
        LogCompactor.Result result = new LogCompactor(new KafkaCompactionCodec(), 1 << 20, () -> false)
                .clean(target, logs.clock.millis());
        assertFalse(result.completed());
        assertEquals(truncated, KeyedBatches.readAll(log));
        try (var files = java.nio.file.Files.list(dir.resolve("t-0"))) {
            assertEquals(List.of(), files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".cleaned") || n.endsWith(".swap")).toList());
        }
    }

    @Test
    void aConcurrentReaderNeverSeesAKeysValueGoBackwardsWhileTheCleanerRuns() throws Exception {
        open(compactConfig(compact().withMinCleanableDirtyRatio(0.01)).withFileDeleteDelayMs(5_000));
        cleaner.start();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                int passes = 0;
                while (writing.get() || passes < 3) {
                    Map<String, Integer> seen = new HashMap<>();
                    for (KeyedRecord r : KeyedBatches.readAll(log)) {
                        int version = Integer.parseInt(r.value());
                        Integer previous = seen.put(r.key(), version);
                        if (previous != null && previous >= version) {
                            throw new AssertionError(r.key() + " went from " + previous + " to " + version
                                    + " at offset " + r.offset());
                        }
                    }
                    passes++;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < 5_000 && failure.get() == null; i++) {
            String key = "k" + (i * 7919 % 37);
            last.put(key, i);
            put(key, String.valueOf(i));
        }
        writing.set(false);
        reader.join(60_000);
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        // The background cleaner compacts what was written; on a loaded machine it may lag the writer, so wait for it
        // rather than assume it kept pace.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> log.size() < 5_000 * 40);
        cleaner.close();
        put("filler", "0"); // nothing of the keys in the active segment after one more cleaning
        cleaner.cleanNow(5);
        Map<String, Integer> end = new HashMap<>();
        for (KeyedRecord r : KeyedBatches.readAll(log)) {
            end.put(r.key(), Integer.parseInt(r.value()));
        }
        end.remove("filler");
        assertEquals(last, end);
        assertNull(failure.get());
    }
}
