package dev.weir.log.storage;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.LogFixture.smallConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class RecoveryTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log;

    PartitionLog open() {
        log = logs.open(dir, smallConfig());
        return log;
    }

    /** Appends {@code n} 5-record batches and closes cleanly; returns the log end offset. */
    long writeAndClose(int n) {
        open();
        for (int i = 0; i < n; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0 + i), 0);
        }
        long end = log.logEndOffset();
        log.close();
        log = null;
        return end;
    }

    /** Makes the next open behave as after a crash before anything was flushed. */
    void simulateCrash() throws IOException {
        Files.delete(dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE));
        Checkpoints.writeLong(dir.resolve(LogFileNames.RECOVERY_POINT_FILE), 0);
    }

    Path lastLogFile() throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(LogFileNames.LOG_SUFFIX)).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
    }

    static void appendBytes(Path file, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
        }
    }

    @Test
    void cleanShutdownMarkerIsWrittenByCloseAndRemovedByOpen() {
        writeAndClose(3);
        assertTrue(Files.exists(dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE)));
        open();
        assertFalse(Files.exists(dir.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE)));
    }

    @Test
    void halfWrittenBatchAtTheTailIsTruncated() throws IOException {
        long end = writeAndClose(12);
        Path tail = lastLogFile();
        long sizeBefore = Files.size(tail);
        ByteBuffer half = TestBatches.batch(5, T0);
        half.limit(half.limit() / 2);
        appendBytes(tail, half);
        simulateCrash();

        open();
        assertEquals(end, log.logEndOffset());
        assertEquals(sizeBefore, Files.size(tail));
        assertEquals(end, PartitionLogTest.readAll(log, 0).size());
        assertEquals(end, log.appendAsLeader(TestBatches.batch(1, T0), 0).firstOffset());
    }

    @Test
    void garbageAfterTheLastBatchIsTruncated() throws IOException {
        long end = writeAndClose(4);
        Path tail = lastLogFile();
        long sizeBefore = Files.size(tail);
        byte[] garbage = new byte[300];
        java.util.Arrays.fill(garbage, (byte) 0x7f);
        appendBytes(tail, ByteBuffer.wrap(garbage));
        simulateCrash();

        open();
        assertEquals(end, log.logEndOffset());
        assertEquals(sizeBefore, Files.size(tail));
    }

    @Test
    void crcCorruptedBatchTruncatesTheLogFromThereAndDropsLaterSegments() throws IOException {
        writeAndClose(20);
        List<Path> logFiles;
        try (var files = Files.list(dir)) {
            logFiles = files.filter(f -> f.toString().endsWith(LogFileNames.LOG_SUFFIX)).sorted().toList();
        }
        assertTrue(logFiles.size() >= 3);
        Path second = logFiles.get(1);
        long secondBase = LogFileNames.offsetOf(second, LogFileNames.LOG_SUFFIX).getAsLong();
        // Corrupt a record byte of the second batch of the second segment.
        int batchSize = TestBatches.batch(5, T0).remaining();
        try (FileChannel ch = FileChannel.open(second, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, batchSize + 70);
            b.put(0, (byte) (b.get(0) ^ 0xff)).rewind();
            ch.write(b, batchSize + 70);
        }
        simulateCrash();

        open();
        assertEquals(secondBase + 5, log.logEndOffset());
        assertEquals(2, log.segmentCount());
        assertEquals(batchSize, Files.size(second));
        assertEquals(secondBase + 5, PartitionLogTest.readAll(log, 0).size());
    }

    @Test
    void recoveryRebuildsTheIndexesOfTheRecoveredSegments() throws IOException {
        long end = writeAndClose(12);
        Path tail = lastLogFile();
        long base = LogFileNames.offsetOf(tail, LogFileNames.LOG_SUFFIX).getAsLong();
        Files.write(LogFileNames.offsetIndexFile(dir, base), new byte[64]); // 8 zero entries: implausible
        simulateCrash();

        open();
        LogSegment active = log.segments().get(log.segmentCount() - 1);
        assertTrue(active.offsetIndex().entries() > 0);
        assertTrue(active.offsetIndex().lastEntry().offset() > base);
        for (long offset = base; offset < end; offset++) {
            RecordBatchHeader h = TestBatches.headers(TestBatches.readSlice(
                    log.read(offset, 1, Long.MAX_VALUE, true).records())).get(0);
            assertTrue(h.baseOffset() <= offset && offset <= h.lastOffset());
        }
    }

    @Test
    void missingIndexesAreRebuiltEvenAfterACleanShutdown() throws IOException {
        long end = writeAndClose(12);
        Files.delete(LogFileNames.offsetIndexFile(dir, 0));
        Files.delete(LogFileNames.timeIndexFile(dir, 0));

        open();
        assertTrue(log.segments().get(0).offsetIndex().entries() > 0);
        assertTrue(log.segments().get(0).timeIndex().entries() > 0);
        assertEquals(end, PartitionLogTest.readAll(log, 0).size());
    }

    @Test
    void dataWrittenBeforeACrashIsKeptAndTheLogContinues() throws Exception {
        open();
        for (int i = 0; i < 12; i++) {
            log.appendAsLeader(TestBatches.batch(5, T0 + i), 0);
        }
        long end = log.logEndOffset();
        PartitionLog crashed = log;

        open();
        assertEquals(end, log.logEndOffset());
        assertEquals(end, log.recoveryPoint(), "recovered segments are flushed");
        assertEquals(end, PartitionLogTest.readAll(log, 0).size());
        assertEquals(T0 + 11 + 4, log.maxTimestampOffset(TestBatches.SCANNER).orElseThrow().timestamp());
        ProducerStateTest.releaseChannels(crashed);
    }

    @Test
    void cleanReopenRestoresTimestampsAndOffsetsWithoutRecovery() {
        long end = writeAndClose(12);
        open();
        assertEquals(end, log.logEndOffset());
        assertEquals(new TimestampOffset(T0 + 11 + 4, end - 1), log.maxTimestampOffset(TestBatches.SCANNER).orElseThrow());
        // Batch i holds timestamps T0+i .. T0+i+4: T0+6 first appears as the last record of batch 2.
        assertEquals(new TimestampOffset(T0 + 6, 14), log.offsetForTimestamp(T0 + 6, TestBatches.SCANNER).orElseThrow());
        assertEquals(end, log.appendAsLeader(TestBatches.batch(1, T0), 0).firstOffset());
    }

    @Test
    void leftoverDeletedAndTemporaryFilesAreRemovedOnOpen() throws IOException {
        writeAndClose(2);
        Path deleted = dir.resolve("00000000000000000007.log" + LogFileNames.DELETED_SUFFIX);
        Path tmp = dir.resolve("recovery-point" + LogFileNames.TMP_SUFFIX);
        Files.write(deleted, new byte[10]);
        Files.write(tmp, new byte[10]);

        open();
        assertFalse(Files.exists(deleted));
        assertFalse(Files.exists(tmp));
    }

    @Test
    void recoveryUnderASmallerIndexSizeKeepsEveryRecordReadable() throws IOException {
        long end = writeAndClose(20);
        simulateCrash();

        log = logs.open(dir, smallConfig().withSegmentIndexBytes(24));
        assertEquals(end, log.logEndOffset());
        assertEquals(end, PartitionLogTest.readAll(log, 0).size());
        assertTrue(log.segments().get(0).offsetIndex().entries() <= 3);
    }
}
