package dev.weir.log.storage;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.LogFixture.smallConfig;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class PartitionLogTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log;

    PartitionLog open(LogConfig config) {
        log = logs.open(dir.resolve("t-0"), config);
        return log;
    }

    static List<TestBatches.TestRecord> readAll(PartitionLog log, long from) throws IOException {
        List<TestBatches.TestRecord> records = new java.util.ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            LogReadInfo info = log.read(next, Integer.MAX_VALUE, Long.MAX_VALUE, true);
            List<TestBatches.TestRecord> got = TestBatches.decode(TestBatches.readSlice(info.records()));
            assertFalse(got.isEmpty(), "read at " + next + " returned nothing before the log end");
            for (TestBatches.TestRecord r : got) {
                if (r.offset() >= next) {
                    records.add(r);
                }
            }
            next = got.get(got.size() - 1).offset() + 1;
        }
        return records;
    }

    @Test
    void appendAssignsDenseOffsetsAndReadReturnsTheRecords() throws IOException {
        open(smallConfig());
        LogAppendInfo a = log.appendAsLeader(TestBatches.batch(3, T0), 7);
        LogAppendInfo b = log.appendAsLeader(TestBatches.batch(1, T0), 7);
        LogAppendInfo c = log.appendAsLeader(TestBatches.concat(TestBatches.batch(2, T0), TestBatches.batch(3, T0)), 7);

        assertEquals(new LogAppendInfo(0, 2, -1, 0, 3, false), a);
        assertEquals(new LogAppendInfo(3, 3, -1, 0, 1, false), b);
        assertEquals(new LogAppendInfo(4, 8, -1, 0, 5, false), c);
        assertEquals(9, log.logEndOffset());

        ByteBuffer bytes = TestBatches.readSlice(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, false).records());
        List<TestBatches.TestRecord> records = TestBatches.decode(bytes);
        assertEquals(LongStream.range(0, 9).boxed().toList(), records.stream().map(TestBatches.TestRecord::offset).toList());
        assertEquals(List.of("v0", "v1", "v2", "v0", "v0", "v1", "v0", "v1", "v2"),
                records.stream().map(r -> r.value().replace(".", "")).toList());
        for (RecordBatchHeader h : TestBatches.headers(bytes)) {
            assertEquals(7, h.partitionLeaderEpoch());
        }
    }

    @Test
    void readReturnsWholeBatchContainingTheStartOffset() throws IOException {
        open(smallConfig());
        log.appendAsLeader(TestBatches.batch(3, T0), 0);
        log.appendAsLeader(TestBatches.batch(4, T0), 0);

        ByteBuffer bytes = TestBatches.readSlice(log.read(5, Integer.MAX_VALUE, Long.MAX_VALUE, false).records());
        List<RecordBatchHeader> headers = TestBatches.headers(bytes);
        assertEquals(1, headers.size());
        assertEquals(3, headers.get(0).baseOffset());
        assertEquals(6, headers.get(0).lastOffset());
    }

    @Test
    void readStopsBeforeMaxBytesUnlessMinOneMessage() throws IOException {
        open(smallConfig());
        int size = TestBatches.batch(2, T0).remaining();
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        log.appendAsLeader(TestBatches.batch(2, T0), 0);

        assertEquals(2 * size, log.read(0, 2 * size + size / 2, Long.MAX_VALUE, false).records().size());
        assertEquals(0, log.read(0, size - 1, Long.MAX_VALUE, false).records().size());
        FileSlice oneBatch = log.read(2, size - 1, Long.MAX_VALUE, true).records();
        assertEquals(size, oneBatch.size());
        assertEquals(2, TestBatches.headers(TestBatches.readSlice(oneBatch)).get(0).baseOffset());
    }

    @Test
    void readNeverReturnsBatchesAtOrAboveMaxOffsetExclusive() throws IOException {
        open(smallConfig());
        log.appendAsLeader(TestBatches.batch(3, T0), 0);
        log.appendAsLeader(TestBatches.batch(3, T0), 0);

        List<RecordBatchHeader> upToHw = TestBatches.headers(TestBatches.readSlice(
                log.read(0, Integer.MAX_VALUE, 3, true).records()));
        assertEquals(1, upToHw.size());
        assertEquals(2, upToHw.get(0).lastOffset());
        assertEquals(0, log.read(3, Integer.MAX_VALUE, 3, true).records().size());
    }

    @Test
    void readOutsideTheLogIsOutOfRange() {
        open(smallConfig());
        log.appendAsLeader(TestBatches.batch(3, T0), 0);

        assertThrows(OffsetOutOfRangeException.class, () -> log.read(4, 1000, Long.MAX_VALUE, true));
        LogReadInfo atEnd = log.read(3, 1000, Long.MAX_VALUE, true);
        assertEquals(0, atEnd.records().size());
        assertEquals(3, atEnd.logEndOffset());
        log.deleteRecordsBefore(2);
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(1, 1000, Long.MAX_VALUE, true));
        assertEquals(2, log.read(2, 1000, Long.MAX_VALUE, true).logStartOffset());
    }

    @Test
    void rollsWhenTheSegmentWouldExceedSegmentBytesAndReadsAcrossSegments() throws IOException {
        open(smallConfig());
        int batchSize = TestBatches.batch(5, T0).remaining();
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        int perSegment = 1024 / batchSize;
        assertEquals((30 + perSegment - 1) / perSegment, log.segmentCount());
        for (LogSegment s : log.segments()) {
            assertTrue(s.size() <= 1024, "segment " + s + " exceeds segment.bytes");
        }
        assertEquals(150, readAll(log, 0).size());
        assertEquals(LongStream.range(0, 150).boxed().toList(),
                readAll(log, 0).stream().map(TestBatches.TestRecord::offset).toList());
    }

    @Test
    void rollsWhenTheFirstBatchIsOlderThanSegmentMs() {
        open(smallConfig().withSegmentBytes(1 << 20).withSegmentMs(60_000));
        log.appendAsLeader(TestBatches.batch(1, logs.clock.millis()), 0);
        logs.clock.advance(30_000);
        log.appendAsLeader(TestBatches.batch(1, logs.clock.millis()), 0);
        assertEquals(1, log.segmentCount());

        logs.clock.advance(30_001);
        log.appendAsLeader(TestBatches.batch(1, logs.clock.millis()), 0);
        assertEquals(2, log.segmentCount());
        assertEquals(2, log.segments().get(1).baseOffset());
    }

    @Test
    void everyOffsetIsFoundThroughTheIndexAfterManyAppends() throws IOException {
        open(smallConfig().withSegmentBytes(64 * 1024));
        for (int i = 0; i < 500; i++) {
            log.appendAsLeader(TestBatches.batch(1 + i % 4, T0 + i), 0);
        }
        LogSegment first = log.segments().get(0);
        assertTrue(first.offsetIndex().entries() > 10, "expected a populated offset index");
        assertTrue(first.timeIndex().entries() > 10, "expected a populated time index");
        for (long offset = 0; offset < log.logEndOffset(); offset += 7) {
            RecordBatchHeader h = TestBatches.headers(TestBatches.readSlice(
                    log.read(offset, 1, Long.MAX_VALUE, true).records())).get(0);
            assertTrue(h.baseOffset() <= offset && offset <= h.lastOffset(), "batch " + h + " for offset " + offset);
        }
    }

    @Test
    void retentionByTimeDeletesOldSegmentsButNeverTheActiveOne() throws IOException {
        open(smallConfig().withRetentionMs(3_600_000));
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        int before = log.segmentCount();
        assertTrue(before > 2);

        assertEquals(0, log.deleteRetainedSegments(T0 + 3_600_000));
        int deleted = log.deleteRetainedSegments(T0 + 3_600_000 + 10);
        assertEquals(before - 1, deleted);
        assertEquals(1, log.segmentCount());
        assertEquals(log.segments().get(0).baseOffset(), log.logStartOffset());
        assertEquals(100, log.logEndOffset());
        assertEquals(100 - log.logStartOffset(), readAll(log, log.logStartOffset()).size());
    }

    @Test
    void retentionByBytesDeletesOldestSegmentsWhileTheLogStaysAboveTheLimit() {
        open(smallConfig().withRetentionMs(-1).withRetentionBytes(2048));
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        long total = log.size();
        List<LogSegment> segments = log.segments();
        long expectedRemaining = total;
        int expectedDeleted = 0;
        for (LogSegment s : segments.subList(0, segments.size() - 1)) {
            if (expectedRemaining - s.size() < 2048) {
                break;
            }
            expectedRemaining -= s.size();
            expectedDeleted++;
        }
        assertTrue(expectedDeleted > 0);

        assertEquals(expectedDeleted, log.deleteRetainedSegments(T0));
        assertEquals(expectedRemaining, log.size());
        assertTrue(log.size() >= 2048);
        assertEquals(log.segments().get(0).baseOffset(), log.logStartOffset());
    }

    @Test
    void retentionBytesZeroStillKeepsTheActiveSegment() {
        open(smallConfig().withRetentionBytes(0));
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        log.deleteRetainedSegments(T0);
        assertEquals(1, log.segmentCount());
        assertTrue(log.size() > 0);
    }

    @Test
    void deletedSegmentFilesAreRemovedAfterTheDelay() throws IOException {
        open(smallConfig().withRetentionMs(1));
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        long firstBase = log.segments().get(0).baseOffset();
        log.deleteRetainedSegments(T0 + 10);

        Path logFile = LogFileNames.logFile(log.dir(), firstBase);
        assertFalse(Files.exists(logFile));
        await().until(() -> {
            try (Stream<Path> files = Files.list(log.dir())) {
                return files.noneMatch(f -> f.toString().endsWith(LogFileNames.DELETED_SUFFIX));
            }
        });
    }

    @Test
    void deleteRecordsBeforeMovesTheLogStartAndDropsWholeSegmentsBelowIt() throws IOException {
        open(smallConfig());
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        List<LogSegment> segments = log.segments();
        long secondBase = segments.get(1).baseOffset();
        long target = secondBase + 2;

        log.deleteRecordsBefore(target);
        assertEquals(target, log.logStartOffset());
        assertEquals(secondBase, log.segments().get(0).baseOffset());
        assertEquals(segments.size() - 1, log.segmentCount());
        assertEquals(target, readAll(log, target).get(0).offset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(101));

        log.deleteRecordsBefore(100);
        assertEquals(100, log.logStartOffset());
        assertEquals(1, log.segmentCount());
    }

    @Test
    void batchWithBadCrcIsRejectedAndNothingIsStored() {
        open(smallConfig());
        ByteBuffer bad = TestBatches.batch(3, T0);
        bad.put(bad.limit() - 2, (byte) (bad.get(bad.limit() - 2) ^ 0x55));

        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(bad, 0));
        assertEquals(0, log.logEndOffset());
        assertEquals(0, log.size());
    }

    @Test
    void inconsistentBatchLengthIsRejected() {
        open(smallConfig());
        ByteBuffer truncated = TestBatches.batch(3, T0);
        truncated.limit(truncated.limit() - 5);
        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(truncated, 0));
        assertEquals(0, log.size());
    }

    @Test
    void batchLargerThanMaxMessageBytesIsRejected() {
        open(smallConfig().withMaxMessageBytes(200));
        ByteBuffer big = TestBatches.batch(3, -1, (short) -1, -1, T0, 100);
        assertTrue(big.remaining() > 200);

        assertThrows(RecordTooLargeException.class, () -> log.appendAsLeader(big, 0));
        assertEquals(0, log.size());
    }

    @Test
    void appendIsAllOrNothing() {
        open(smallConfig());
        ByteBuffer bad = TestBatches.batch(2, T0);
        bad.put(bad.limit() - 1, (byte) 1);
        assertThrows(CorruptRecordException.class,
                () -> log.appendAsLeader(TestBatches.concat(TestBatches.batch(2, T0), bad), 0));

        ByteBuffer oldMagic = TestBatches.batch(2, T0);
        oldMagic.put(RecordBatchHeader.MAGIC_OFFSET, (byte) 1);
        assertThrows(UnsupportedForMessageFormatException.class,
                () -> log.appendAsLeader(TestBatches.concat(TestBatches.batch(2, T0), oldMagic), 0));

        assertEquals(0, log.logEndOffset());
        assertEquals(0, log.size());
    }

    @Test
    void recordCountMustMatchTheOffsetRange() {
        open(smallConfig());
        ByteBuffer b = TestBatches.batch(3, T0);
        b.putInt(RecordBatchHeader.LAST_OFFSET_DELTA_OFFSET, 5);
        TestBatches.fixCrc(b, 0);
        assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(b, 0));
        assertEquals(0, log.size());
    }

    @Test
    void logAppendTimeStampsTheBatchAndKeepsItsCrcValid() throws IOException {
        open(smallConfig().withLogAppendTime(true));
        logs.clock.advance(5_000);
        LogAppendInfo info = log.appendAsLeader(TestBatches.batch(3, 42), 0);

        assertEquals(T0 + 5_000, info.logAppendTime());
        ByteBuffer stored = TestBatches.readSlice(log.read(0, 10_000, Long.MAX_VALUE, true).records());
        RecordBatchHeader h = RecordBatchHeader.parse(stored, 0);
        assertTrue(h.isLogAppendTime());
        assertEquals(T0 + 5_000, h.maxTimestamp());
        assertTrue(h.isCrcValid(stored, 0));
        assertEquals(T0 + 5_000, log.segments().get(0).maxTimestampSoFar().timestamp());
    }

    @Test
    void truncateToDiscardsEverythingFromTheOffsetAcrossSegments() throws IOException {
        open(smallConfig());
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        long target = log.segments().get(1).baseOffset() + 5;

        log.truncateTo(target);
        assertEquals(target, log.logEndOffset());
        assertEquals(2, log.segmentCount());
        assertEquals(target, readAll(log, 0).size());

        LogAppendInfo next = log.appendAsLeader(TestBatches.batch(2, T0), 0);
        assertEquals(target, next.firstOffset());
        assertEquals(target + 2, readAll(log, 0).size());
    }

    @Test
    void truncateBelowTheFirstSegmentRestartsTheLog() {
        open(smallConfig());
        log.appendAsLeader(TestBatches.batch(5, T0), 0);
        log.truncateTo(0);
        assertEquals(0, log.logEndOffset());
        assertEquals(0, log.size());
        assertEquals(0, log.appendAsLeader(TestBatches.batch(1, T0), 0).firstOffset());
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterTheTarget() {
        open(smallConfig());
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0 + i * 10L), 0); // records at T0+10i .. T0+10i+4
        }
        assertTrue(log.segmentCount() > 2);

        assertEquals(new TimestampOffset(T0, 0), log.offsetForTimestamp(T0 - 100, TestBatches.SCANNER).orElseThrow());
        assertEquals(new TimestampOffset(T0 + 123, 63), log.offsetForTimestamp(T0 + 123, TestBatches.SCANNER).orElseThrow());
        assertEquals(new TimestampOffset(T0 + 130, 65), log.offsetForTimestamp(T0 + 125, TestBatches.SCANNER).orElseThrow());
        assertTrue(log.offsetForTimestamp(T0 + 295, TestBatches.SCANNER).isEmpty());

        log.deleteRecordsBefore(67);
        assertEquals(new TimestampOffset(T0 + 132, 67), log.offsetForTimestamp(T0 + 121, TestBatches.SCANNER).orElseThrow());
    }

    @Test
    void maxTimestampOffsetFindsTheRecordWithTheLargestTimestamp() {
        open(smallConfig());
        assertTrue(log.maxTimestampOffset(TestBatches.SCANNER).isEmpty());
        log.appendAsLeader(TestBatches.batch(5, T0), 0);
        log.appendAsLeader(TestBatches.batch(5, T0 + 1000), 0);
        log.appendAsLeader(TestBatches.batch(5, T0 + 10), 0);

        assertEquals(new TimestampOffset(T0 + 1004, 9), log.maxTimestampOffset(TestBatches.SCANNER).orElseThrow());
    }

    @Test
    void followerAppendKeepsOffsetsAndRejectsOffsetsBelowTheLogEnd() throws IOException {
        open(smallConfig());
        ByteBuffer b = TestBatches.batch(3, T0);
        RecordBatchHeader.setBaseOffset(b, 0, 10);
        log.truncateFullyAndStartAt(10);

        LogAppendInfo info = log.appendAsFollower(b);
        assertEquals(10, info.firstOffset());
        assertEquals(12, info.lastOffset());
        assertEquals(13, log.logEndOffset());
        assertEquals(10, readAll(log, 10).get(0).offset());

        ByteBuffer stale = TestBatches.batch(3, T0);
        RecordBatchHeader.setBaseOffset(stale, 0, 11);
        assertThrows(InvalidRecordException.class, () -> log.appendAsFollower(stale));
        assertEquals(13, log.logEndOffset());
    }

    @Test
    void flushMessagesAdvancesTheRecoveryPoint() {
        open(smallConfig().withFlushIntervalMessages(3));
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        assertEquals(0, log.recoveryPoint());
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        assertEquals(4, log.recoveryPoint());
    }

    @Test
    void readsDuringConcurrentAppendsSeeOnlyWholeBatches() throws Exception {
        open(smallConfig().withSegmentBytes(8 * 1024));
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 2000; i++) {
                log.appendAsLeader(TestBatches.batch(1 + i % 3, T0), 0);
            }
        });
        writer.start();
        long next = 0;
        while (writer.isAlive() || next < log.logEndOffset()) {
            LogReadInfo info = log.read(next, 4096, Long.MAX_VALUE, true);
            List<TestBatches.TestRecord> records = TestBatches.decode(TestBatches.readSlice(info.records()));
            for (TestBatches.TestRecord r : records) {
                if (r.offset() >= next) {
                    assertEquals(next, r.offset());
                    next++;
                }
            }
        }
        writer.join();
        assertEquals(log.logEndOffset(), next);
    }

    @Test
    void segmentFileNamesUseTwentyDigitBaseOffsets() throws IOException {
        open(smallConfig());
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        try (Stream<Path> files = Files.list(log.dir())) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
            assertTrue(names.contains("00000000000000000000.log"));
            assertTrue(names.contains("00000000000000000000.index"));
            assertTrue(names.contains("00000000000000000000.timeindex"));
            String second = String.format("%020d", log.segments().get(1).baseOffset());
            assertTrue(names.contains(second + ".log"));
            assertTrue(names.contains(second + ".snapshot"), "a roll writes a producer snapshot");
        }
    }
}
