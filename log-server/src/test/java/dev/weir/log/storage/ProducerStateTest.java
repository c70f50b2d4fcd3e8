package dev.weir.log.storage;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.file.Files;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.TestBatches.idempotent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class ProducerStateTest {

    static final long PID = 4242L;

    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log = logs.openLog();

    @Test
    void retriedBatchIsNotAppendedAgainAndReturnsItsOriginalOffsets() {
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        LogAppendInfo first = log.appendAsLeader(idempotent(3, PID, (short) 0, 0, T0), 0);
        log.appendAsLeader(idempotent(2, PID, (short) 0, 3, T0), 0);
        long end = log.logEndOffset();

        LogAppendInfo retry = log.appendAsLeader(idempotent(3, PID, (short) 0, 0, T0), 0);
        assertTrue(retry.duplicate());
        assertEquals(2, retry.firstOffset());
        assertEquals(4, retry.lastOffset());
        assertEquals(first.firstOffset(), retry.firstOffset());
        assertEquals(end, log.logEndOffset());
    }

    @Test
    void sequenceGapIsRejected() {
        log.appendAsLeader(idempotent(3, PID, (short) 0, 0, T0), 0);
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 0, 4, T0), 0));
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 0, 1, T0), 0));
        assertEquals(3, log.logEndOffset());
        assertEquals(3, log.appendAsLeader(idempotent(1, PID, (short) 0, 3, T0), 0).firstOffset());
    }

    @Test
    void olderEpochIsFenced() {
        log.appendAsLeader(idempotent(1, PID, (short) 5, 0, T0), 0);
        assertThrows(InvalidProducerEpochException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 4, 1, T0), 0));
        assertEquals(1, log.logEndOffset());
    }

    @Test
    void newEpochMustRestartAtSequenceZero() {
        log.appendAsLeader(idempotent(3, PID, (short) 0, 0, T0), 0);
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 1, 3, T0), 0));
        log.appendAsLeader(idempotent(1, PID, (short) 1, 0, T0), 0);
        assertEquals(1, log.producerStates().get(PID).epoch());
        assertEquals(0, log.producerStates().get(PID).lastSeq());
    }

    @Test
    void unknownProducerMayStartAtAnySequence() {
        LogAppendInfo info = log.appendAsLeader(idempotent(2, PID, (short) 3, 77, T0), 0);
        assertFalse(info.duplicate());
        assertEquals(78, log.producerStates().get(PID).lastSeq());
    }

    @Test
    void sequenceWrapsAroundAfterIntegerMaxValue() {
        log.appendAsLeader(idempotent(2, PID, (short) 0, Integer.MAX_VALUE - 1, T0), 0);
        assertEquals(Integer.MAX_VALUE, log.producerStates().get(PID).lastSeq());
        log.appendAsLeader(idempotent(2, PID, (short) 0, 0, T0), 0);
        assertEquals(1, log.producerStates().get(PID).lastSeq());

        ByteBuffer spanning = idempotent(3, PID, (short) 0, Integer.MAX_VALUE - 1, T0);
        assertEquals(0, RecordBatchHeader.parse(spanning, 0).lastSequence()); // MAX-1, MAX, 0
    }

    @Test
    void negativeSequenceFromAnIdempotentProducerIsInvalid() {
        assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 0, -1, T0), 0));
    }

    @Test
    void batchesOfOneAppendAreCheckedAgainstEachOtherAndCommittedOnlyTogether() {
        log.appendAsLeader(idempotent(3, PID, (short) 0, 0, T0), 0);
        ByteBuffer gap = TestBatches.concat(idempotent(2, PID, (short) 0, 3, T0), idempotent(2, PID, (short) 0, 9, T0));
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(gap, 0));
        assertEquals(3, log.logEndOffset());
        assertEquals(2, log.producerStates().get(PID).lastSeq());

        ByteBuffer inOrder = TestBatches.concat(idempotent(2, PID, (short) 0, 3, T0), idempotent(2, PID, (short) 0, 5, T0));
        assertEquals(6, log.appendAsLeader(inOrder, 0).lastOffset());
        assertEquals(6, log.producerStates().get(PID).lastSeq());
    }

    @Test
    void onlyTheLastFiveBatchesAreRecognisedAsDuplicates() {
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(idempotent(1, PID, (short) 0, i, T0), 0);
        }
        assertTrue(log.appendAsLeader(idempotent(1, PID, (short) 0, 1, T0), 0).duplicate());
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 0, 0, T0), 0));
    }

    @Test
    void producerStateSurvivesCleanRestart() {
        log.appendAsLeader(idempotent(3, PID, (short) 2, 0, T0), 0);
        log.appendAsLeader(idempotent(3, PID, (short) 2, 3, T0), 0);
        log.close();

        log = logs.openLog();
        LogAppendInfo retry = log.appendAsLeader(idempotent(3, PID, (short) 2, 3, T0), 0);
        assertTrue(retry.duplicate());
        assertEquals(3, retry.firstOffset());
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 2, 7, T0), 0));
        assertThrows(InvalidProducerEpochException.class, () -> log.appendAsLeader(idempotent(1, PID, (short) 1, 6, T0), 0));
        assertEquals(6, log.appendAsLeader(idempotent(1, PID, (short) 2, 6, T0), 0).firstOffset());
    }

    @Test
    void producerStateIsRebuiltFromSnapshotAndLogAfterUncleanShutdown() throws Exception {
        // Enough appends to roll several segments (each roll writes a snapshot), then more after the last one.
        int seq = 0;
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(idempotent(3, PID, (short) 0, seq, T0), 0);
            seq += 3;
        }
        log.appendAsLeader(idempotent(2, 99L, (short) 1, 10, T0), 0);
        assertTrue(log.segmentCount() > 2);
        long end = log.logEndOffset();
        // Crash: no close(), so no clean-shutdown marker and no snapshot at the log end.
        PartitionLog crashed = log;
        assertFalse(Files.exists(logs.dir().resolve(LogFileNames.CLEAN_SHUTDOWN_FILE)));

        log = logs.openLog();
        assertEquals(end, log.logEndOffset());
        assertEquals(seq - 1, log.producerStates().get(PID).lastSeq());
        assertTrue(log.appendAsLeader(idempotent(3, PID, (short) 0, seq - 3, T0), 0).duplicate());
        assertThrows(OutOfOrderSequenceException.class, () -> log.appendAsLeader(idempotent(1, 99L, (short) 1, 13, T0), 0));
        assertEquals(end, log.appendAsLeader(idempotent(1, 99L, (short) 1, 12, T0), 0).firstOffset());
        releaseChannels(crashed);
    }

    @Test
    void truncationRollsProducerStateBack() {
        log.appendAsLeader(idempotent(3, PID, (short) 0, 0, T0), 0);
        log.appendAsLeader(idempotent(3, PID, (short) 0, 3, T0), 0);
        log.truncateTo(3);
        assertEquals(2, log.producerStates().get(PID).lastSeq());
        assertEquals(3, log.appendAsLeader(idempotent(3, PID, (short) 0, 3, T0), 0).firstOffset());
    }

    /** Closes the file handles of a log abandoned to simulate a crash, without writing anything. */
    static void releaseChannels(PartitionLog crashed) throws Exception {
        for (LogSegment s : crashed.segments()) {
            s.closeHandles();
        }
    }
}
