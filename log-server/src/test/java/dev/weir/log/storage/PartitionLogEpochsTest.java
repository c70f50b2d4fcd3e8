package dev.weir.log.storage;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.LogFixture.smallConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.storage.LeaderEpochCache.EpochEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The leader epoch history a {@link PartitionLog} keeps in step with its records. */
@Tag("fast")
class PartitionLogEpochsTest {

    @TempDir
    Path root;
    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log;

    Path dir() {
        return root.resolve("t-0");
    }

    Path checkpoint() {
        return dir().resolve(LogFileNames.LEADER_EPOCH_CHECKPOINT_FILE);
    }

    PartitionLog open() {
        log = logs.open(dir(), smallConfig());
        return log;
    }

    void reopen() {
        log.close();
        open();
    }

    /** Appends a 5-record batch as leader at {@code epoch}; returns its first offset. */
    long lead(int epoch) {
        return log.appendAsLeader(TestBatches.batch(5, T0), epoch).firstOffset();
    }

    /** A replicated batch of {@code count} records at {@code baseOffset}, written by the leader of {@code epoch}. */
    static ByteBuffer replicated(long baseOffset, int count, int epoch) {
        ByteBuffer b = TestBatches.batch(count, T0);
        RecordBatchHeader.setBaseOffset(b, 0, baseOffset);
        RecordBatchHeader.setPartitionLeaderEpoch(b, 0, epoch);
        return b;
    }

    static List<EpochEntry> entries(long... epochAndStart) {
        List<EpochEntry> out = new ArrayList<>();
        for (int i = 0; i < epochAndStart.length; i += 2) {
            out.add(new EpochEntry((int) epochAndStart[i], epochAndStart[i + 1]));
        }
        return out;
    }

    @Test
    void leaderAppendsRecordEachNewEpochAtItsFirstOffset() throws IOException {
        open();
        assertEquals(OptionalInt.empty(), log.latestEpoch());
        assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(0));

        lead(0);
        lead(0);
        long k = lead(3);
        lead(3);

        assertEquals(10, k);
        assertEquals(entries(0, 0, 3, k), log.leaderEpochs());
        assertEquals(OptionalInt.of(3), log.latestEpoch());
        assertEquals(new EpochEndOffset(0, k), log.endOffsetForEpoch(0));
        assertEquals(new EpochEndOffset(0, k), log.endOffsetForEpoch(2));
        assertEquals(new EpochEndOffset(3, 20), log.endOffsetForEpoch(3));
        assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(4));
        assertEquals("0\n2\n0 0\n3 10\n", Files.readString(checkpoint(), StandardCharsets.US_ASCII));
    }

    @Test
    void followerAppendsRecordTheEpochsOfTheBatchHeaders() {
        open();
        log.appendAsFollower(TestBatches.concat(replicated(0, 3, 1), replicated(3, 2, 1), replicated(5, 3, 4)));
        log.appendAsFollower(replicated(8, 2, 4));
        log.appendAsFollower(replicated(10, 2, 6));

        assertEquals(entries(1, 0, 4, 5, 6, 10), log.leaderEpochs());
        assertEquals(new EpochEndOffset(4, 10), log.endOffsetForEpoch(5));
        assertEquals(new EpochEndOffset(6, 12), log.endOffsetForEpoch(6));
    }

    @Test
    void followerBatchesWithoutALeaderEpochAreNotRecorded() {
        open();
        log.appendAsFollower(replicated(0, 3, -1));
        log.appendAsFollower(replicated(3, 3, 2));

        assertEquals(entries(2, 3), log.leaderEpochs());
    }

    @Test
    void truncationDropsTheEpochsItRemoves() {
        open();
        lead(0);        // 0..4
        lead(2);        // 5..9
        lead(5);        // 10..14
        lead(5);        // 15..19

        log.truncateTo(12);   // batch-aligned: the log now ends at 10
        assertEquals(10, log.logEndOffset());
        assertEquals(entries(0, 0, 2, 5), log.leaderEpochs());
        assertEquals(new EpochEndOffset(2, 10), log.endOffsetForEpoch(2));

        log.truncateTo(5);
        assertEquals(entries(0, 0), log.leaderEpochs());

        reopen();
        assertEquals(entries(0, 0), log.leaderEpochs());

        log.truncateTo(0);
        assertEquals(List.of(), log.leaderEpochs());
        lead(7);
        assertEquals(entries(7, 0), log.leaderEpochs());
    }

    @Test
    void truncateFullyAndStartAtForgetsTheHistory() {
        open();
        lead(0);
        lead(1);

        log.truncateFullyAndStartAt(100);
        assertEquals(List.of(), log.leaderEpochs());
        assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(1));

        log.appendAsFollower(replicated(100, 2, 3));
        assertEquals(entries(3, 100), log.leaderEpochs());
    }

    @Test
    void historySurvivesARestart() {
        open();
        lead(0);
        lead(4);
        lead(9);

        reopen();

        assertEquals(entries(0, 0, 4, 5, 9, 10), log.leaderEpochs());
        assertEquals(new EpochEndOffset(9, 15), log.endOffsetForEpoch(9));
        lead(9);
        assertEquals(entries(0, 0, 4, 5, 9, 10), log.leaderEpochs());
    }

    @Test
    void missingOrUnreadableCheckpointIsRebuiltFromTheBatches() throws IOException {
        open();
        for (int i = 0; i < 20; i++) {
            lead(i / 6 * 2);    // epochs 0, 2, 4, 6 over several segments
        }
        List<EpochEntry> expected = entries(0, 0, 2, 30, 4, 60, 6, 90);
        assertEquals(expected, log.leaderEpochs());
        assertTrue(log.segmentCount() > 2);
        log.close();

        Files.delete(checkpoint());
        open();
        assertEquals(expected, log.leaderEpochs());
        assertEquals("0\n4\n0 0\n2 30\n4 60\n6 90\n", Files.readString(checkpoint(), StandardCharsets.US_ASCII));
        log.close();

        Files.writeString(checkpoint(), "0\n7\n0 0\n", StandardCharsets.US_ASCII);
        open();
        assertEquals(expected, log.leaderEpochs());
    }

    @Test
    void rebuildStartsAtTheLogStartOffset() throws IOException {
        open();
        for (int i = 0; i < 20; i++) {
            lead(i < 10 ? 0 : 1);
        }
        log.deleteRecordsBefore(57);
        long firstSegment = log.segments().get(0).baseOffset();
        assertTrue(firstSegment > 0 && firstSegment <= 57, "segments below the log start were deleted");
        assertEquals(entries(1, 57), log.leaderEpochs());
        log.close();

        Files.delete(checkpoint());
        open();
        assertEquals(57, log.logStartOffset());
        assertEquals(entries(1, 57), log.leaderEpochs());
    }

    @Test
    void deleteRecordsAndRetentionMoveTheFirstEpochUp() {
        open();
        for (int i = 0; i < 20; i++) {
            lead(i < 4 ? 0 : i < 12 ? 3 : 8);   // epoch 0 at 0, 3 at 20, 8 at 60
        }
        assertEquals(entries(0, 0, 3, 20, 8, 60), log.leaderEpochs());

        log.deleteRecordsBefore(12);
        assertEquals(entries(0, 12, 3, 20, 8, 60), log.leaderEpochs());
        log.deleteRecordsBefore(33);
        assertEquals(entries(3, 33, 8, 60), log.leaderEpochs());
        assertEquals(new EpochEndOffset(3, 60), log.endOffsetForEpoch(3));
        assertEquals(new EpochEndOffset(2, 33), log.endOffsetForEpoch(2), "below the history: where it starts");

        log.updateConfig(smallConfig().withRetentionBytes(0));
        assertTrue(log.deleteRetainedSegments(logs.clock.millis()) > 0);
        long start = log.logStartOffset();
        assertTrue(start > 60, "retention deleted all but the active segment, start " + start);
        assertEquals(entries(8, start), log.leaderEpochs());
    }

    @Test
    void tornTailRecoveryTrimsEpochsBeyondTheRecoveredEnd() throws IOException {
        open();
        lead(0);
        lead(0);
        int batchSize = TestBatches.batch(5, T0).remaining();
        lead(2);    // 10..14, to be torn
        assertEquals(entries(0, 0, 2, 10), log.leaderEpochs());
        log.close();
        log = null;

        Path segment = dir().resolve(LogFileNames.offsetPrefix(0) + LogFileNames.LOG_SUFFIX);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - batchSize / 2);
        }
        Files.delete(dir().resolve(LogFileNames.CLEAN_SHUTDOWN_FILE));
        Checkpoints.writeLong(dir().resolve(LogFileNames.RECOVERY_POINT_FILE), 0);

        open();
        assertEquals(10, log.logEndOffset());
        assertEquals(entries(0, 0), log.leaderEpochs());
        assertEquals(new EpochEndOffset(0, 10), log.endOffsetForEpoch(0));
    }

    @Test
    void checkpointAheadOfTheLogAfterACrashIsTrimmedOnOpen() throws IOException {
        open();
        lead(0);
        lead(1);
        log.close();
        log = null;
        // As after a crash between recording epoch 4 and writing its first batch.
        Files.writeString(checkpoint(), "0\n3\n0 0\n1 5\n4 10\n", StandardCharsets.US_ASCII);

        open();
        assertEquals(entries(0, 0, 1, 5), log.leaderEpochs());
    }

    @Test
    void startLeaderEpochRecordsTheEpochAtTheLogEnd() {
        open();
        lead(0);

        log.startLeaderEpoch(3);
        log.startLeaderEpoch(3);
        log.startLeaderEpoch(2);

        assertEquals(entries(0, 0, 3, 5), log.leaderEpochs());
        assertEquals(new EpochEndOffset(0, 5), log.endOffsetForEpoch(1));
        assertEquals(new EpochEndOffset(3, 5), log.endOffsetForEpoch(3));
        lead(3);
        assertEquals(entries(0, 0, 3, 5), log.leaderEpochs());
        assertEquals(new EpochEndOffset(3, 10), log.endOffsetForEpoch(3));
    }
}
