package dev.weir.log.storage;

import dev.weir.log.protocol.KafkaCompactionCodec;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static dev.weir.log.storage.LogFixture.T0;
import static dev.weir.log.storage.LogFixture.compactConfig;
import static dev.weir.log.storage.LogFixture.smallConfig;
import static dev.weir.log.storage.TestBatches.marker;
import static dev.weir.log.storage.TestBatches.transactional;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ongoing transactions, the last stable offset and the aborted-transaction index of a {@link PartitionLog}. */
@Tag("fast")
class TransactionStateTest {

    static final long A = 1000L;
    static final long B = 2000L;
    static final short E0 = 0;

    @RegisterExtension
    final LogFixture logs = new LogFixture();
    PartitionLog log = logs.openLog();

    long marker(long pid, short epoch, boolean commit, int coordinatorEpoch) {
        return log.appendAsLeader(TestBatches.marker(pid, epoch, commit, coordinatorEpoch, logs.clock.millis()), 0,
                AppendOrigin.COORDINATOR).firstOffset();
    }

    /**
     * 0-1 plain, 2-4 A (txn), 5-6 B (txn), 7 A COMMIT, 8 B ABORT, 9-10 A (new txn, left open).
     */
    void writeScenario() {
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        log.appendAsLeader(transactional(3, A, E0, 0, T0), 0);
        log.appendAsLeader(transactional(2, B, E0, 0, T0), 0);
        assertEquals(7, marker(A, E0, true, 3));
        assertEquals(8, marker(B, E0, false, 3));
        log.appendAsLeader(transactional(2, A, E0, 3, T0), 0);
    }

    @Test
    void aTransactionalBatchStartsATransactionAndAMarkerEndsIt() {
        log.appendAsLeader(TestBatches.batch(2, T0), 0);
        assertEquals(OptionalLong.empty(), log.firstUnstableOffset());
        assertEquals(2, log.lastStableOffset(2));

        log.appendAsLeader(transactional(3, A, E0, 0, T0), 0);
        log.appendAsLeader(transactional(2, B, E0, 0, T0), 0);
        log.appendAsLeader(transactional(1, A, E0, 3, T0), 0); // same transaction: first offset stays 2
        assertEquals(OptionalLong.of(2), log.firstUnstableOffset());
        assertEquals(2, log.lastStableOffset(log.logEndOffset()));
        assertEquals(2, log.producerStates().get(A).currentTxnFirstOffset());

        long commitA = marker(A, E0, true, 3);
        assertEquals(OptionalLong.of(5), log.firstUnstableOffset());
        assertEquals(5, log.lastStableOffset(log.logEndOffset()));
        long abortB = marker(B, E0, false, 3);
        assertEquals(OptionalLong.empty(), log.firstUnstableOffset());
        // Until the high watermark passes B's marker, B's outcome is not committed: the LSO stays at its first offset.
        assertEquals(5, log.lastStableOffset(abortB));
        assertEquals(abortB + 1, log.lastStableOffset(abortB + 1));
        log.onHighWatermark(abortB + 1);
        assertEquals(abortB + 1, log.lastStableOffset(abortB + 1));

        ProducerStateEntry a = log.producerStates().get(A);
        assertEquals(-1, a.currentTxnFirstOffset());
        assertEquals(3, a.coordinatorEpoch());
        assertEquals(List.of(new AbortedTxn(B, 5, abortB, abortB + 1)), log.collectAbortedTransactions(0, 100));
        assertEquals(8, commitA);
    }

    @Test
    void collectAbortedTransactionsReturnsThoseOverlappingTheRange() {
        writeScenario();
        AbortedTxn b = new AbortedTxn(B, 5, 8, 9);
        assertEquals(List.of(b), log.collectAbortedTransactions(0, 11));
        assertEquals(List.of(b), log.collectAbortedTransactions(6, 7));
        assertEquals(List.of(b), log.collectAbortedTransactions(8, 9));
        assertEquals(List.of(), log.collectAbortedTransactions(0, 5), "starts at the upper bound");
        assertEquals(List.of(), log.collectAbortedTransactions(9, 11), "marker below the fetch offset");
        // A's second transaction is ongoing: the LSO at B's abort was the marker + 1 (A was not ongoing then).
        assertEquals(OptionalLong.of(9), log.firstUnstableOffset());
    }

    @Test
    void theLastStableOffsetRecordedForAnAbortIsTheNextOngoingTransaction() {
        log.appendAsLeader(transactional(2, A, E0, 0, T0), 0);
        log.appendAsLeader(transactional(2, B, E0, 0, T0), 0);
        long abortB = marker(B, E0, false, 0);
        assertEquals(List.of(new AbortedTxn(B, 2, abortB, 0)), log.collectAbortedTransactions(0, 100));
        // A marker for a producer with nothing in this partition completes an empty transaction.
        long abortEmpty = marker(77L, E0, false, 0);
        assertEquals(new AbortedTxn(77L, abortEmpty, abortEmpty, 0), log.collectAbortedTransactions(abortEmpty, 100).get(0));
    }

    @Test
    void clientsCannotWriteMarkersButTheCoordinatorCan() {
        log.appendAsLeader(transactional(2, A, E0, 0, T0), 0);
        assertThrows(InvalidRecordException.class,
                () -> log.appendAsLeader(TestBatches.marker(A, E0, true, 0, T0), 0));
        assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(TestBatches.marker(A, E0, true, 0, T0), 0,
                AppendOrigin.CLIENT));
        assertEquals(2, log.logEndOffset());
        assertEquals(2, marker(A, E0, true, 0));
    }

    @Test
    void fencedMarkersAreRefusedAndLeaveNoTrace() {
        log.appendAsLeader(transactional(2, A, (short) 5, 0, T0), 0);
        marker(A, (short) 5, false, 7);
        log.appendAsLeader(transactional(1, A, (short) 5, 2, T0), 0);
        long end = log.logEndOffset();

        assertThrows(InvalidProducerEpochException.class, () -> marker(A, (short) 4, false, 7));
        assertThrows(TransactionCoordinatorFencedException.class, () -> marker(A, (short) 5, false, 6));
        assertEquals(end, log.logEndOffset());
        assertEquals(OptionalLong.of(3), log.firstUnstableOffset());
        // A newer producer epoch (the coordinator fencing a zombie) ends the transaction and raises the epoch.
        marker(A, (short) 6, false, 8);
        assertEquals(6, log.producerStates().get(A).epoch());
        assertEquals(OptionalLong.empty(), log.firstUnstableOffset());
        assertThrows(InvalidProducerEpochException.class,
                () -> log.appendAsLeader(transactional(1, A, (short) 5, 3, T0), 0));
    }

    @Test
    void coordinatorBatchesSkipSequenceChecksButNotEpochChecks() {
        // A group coordinator writes each transactional offset commit with base sequence 0.
        log.appendAsLeader(transactional(1, A, (short) 2, 0, T0), 0, AppendOrigin.COORDINATOR);
        LogAppendInfo second = log.appendAsLeader(transactional(1, A, (short) 2, 0, T0), 0, AppendOrigin.COORDINATOR);
        assertFalse(second.duplicate());
        assertEquals(1, second.firstOffset());
        assertEquals(OptionalLong.of(0), log.firstUnstableOffset());
        assertThrows(InvalidProducerEpochException.class,
                () -> log.appendAsLeader(transactional(1, A, (short) 1, 0, T0), 0, AppendOrigin.COORDINATOR));
        marker(A, (short) 2, true, 0);
        assertEquals(OptionalLong.empty(), log.firstUnstableOffset());
    }

    @Test
    void followerAppendsTrackTransactionsAndIndexAborts() throws IOException {
        PartitionLog follower = logs.open(logs.dir().resolve("follower"), smallConfig());
        try {
            writeScenario();
            ByteBuffer all = TestBatches.readSlice(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).records());
            follower.appendAsFollower(all);
            assertEquals(log.firstUnstableOffset(), follower.firstUnstableOffset());
            assertEquals(log.collectAbortedTransactions(0, 100), follower.collectAbortedTransactions(0, 100));
            assertEquals(log.producerStates(), follower.producerStates());
        } finally {
            follower.close();
        }
    }

    @Test
    void aCleanRestartRestoresTransactionsFromTheSnapshot() {
        writeScenario();
        Map<Long, ProducerStateEntry> before = log.producerStates();
        List<AbortedTxn> aborted = log.collectAbortedTransactions(0, 100);
        log.close();
        log = logs.openLog();
        assertEquals(OptionalLong.of(9), log.firstUnstableOffset());
        assertEquals(9, log.lastStableOffset(log.logEndOffset()));
        assertEquals(before, log.producerStates());
        assertEquals(aborted, log.collectAbortedTransactions(0, 100));
    }

    @Test
    void recoveryRebuildsTransactionsAndMissingIndexEntries() throws IOException {
        // Enough to roll segments: transactions span segment boundaries and aborts land in several segments.
        int seqA = 0;
        int seqB = 0;
        for (int round = 0; round < 12; round++) {
            log.appendAsLeader(transactional(3, A, E0, seqA, T0), 0);
            seqA += 3;
            log.appendAsLeader(transactional(2, B, E0, seqB, T0), 0);
            seqB += 2;
            marker(B, E0, round % 2 == 0, 1);
            if (round % 3 == 2) {
                marker(A, E0, false, 1);
            }
        }
        log.appendAsLeader(transactional(2, B, E0, seqB, T0), 0); // left open
        assertTrue(log.segmentCount() > 3);
        Map<Long, ProducerStateEntry> before = log.producerStates();
        List<AbortedTxn> aborted = log.collectAbortedTransactions(0, Long.MAX_VALUE);
        OptionalLong unstable = log.firstUnstableOffset();
        assertTrue(aborted.size() >= 8);
        log.close();
        log = null;
        // A crash before anything was flushed, with snapshots and transaction indexes lost.
        Files.delete(logs.dir().resolve(LogFileNames.CLEAN_SHUTDOWN_FILE));
        Checkpoints.writeLong(logs.dir().resolve(LogFileNames.RECOVERY_POINT_FILE), 0);
        try (Stream<Path> files = Files.list(logs.dir())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(LogFileNames.SNAPSHOT_SUFFIX) || name.endsWith(LogFileNames.TXN_INDEX_SUFFIX)) {
                    Files.delete(f);
                }
            }
        }
        log = logs.openLog();
        assertEquals(unstable, log.firstUnstableOffset());
        assertEquals(before, log.producerStates());
        assertEquals(aborted, log.collectAbortedTransactions(0, Long.MAX_VALUE));
        assertTrue(txnIndexFiles().size() > 1, "rebuilt per segment: " + txnIndexFiles());
    }

    @Test
    void truncationDropsIndexEntriesAndReopensTransactions() throws IOException {
        writeScenario();
        log.truncateTo(8); // B's abort marker goes
        assertEquals(List.of(), log.collectAbortedTransactions(0, 100));
        assertEquals(OptionalLong.of(5), log.firstUnstableOffset());
        log.truncateTo(5); // B's data and A's COMMIT go: A's transaction is open again
        assertEquals(OptionalLong.of(2), log.firstUnstableOffset());
        log.truncateTo(4); // inside A's first batch: the whole batch goes, and so does A's transaction
        assertEquals(2, log.logEndOffset());
        assertEquals(OptionalLong.empty(), log.firstUnstableOffset());
        assertFalse(log.producerStates().containsKey(A) && log.producerStates().get(A).hasOngoingTxn());
    }

    @Test
    void segmentDeletionTakesItsTransactionIndex() throws IOException {
        int seq = 0;
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(transactional(3, A, E0, seq, T0), 0);
            seq += 3;
            marker(A, E0, false, 0);
        }
        int before = txnIndexFiles().size();
        assertTrue(before > 2);
        long target = log.segments().get(2).baseOffset();
        log.deleteRecordsBefore(target);
        assertEquals(before - 2, txnIndexFiles().size());
        assertTrue(log.collectAbortedTransactions(0, target).isEmpty() || log.collectAbortedTransactions(0, target)
                .stream().allMatch(t -> t.lastOffset() >= target));
    }

    @Test
    void aVersion1SnapshotStillLoads() throws IOException {
        log.appendAsLeader(TestBatches.idempotent(3, A, (short) 2, 0, T0), 0);
        log.close();
        log = null;
        // Rewrite the end-of-log snapshot in the pre-transactions format (version 1).
        Path snapshot = LogFileNames.snapshotFile(logs.dir(), 3);
        ByteBuffer v1 = ByteBuffer.allocate(2 + 4 + 4 + 8 + 2 + 4 + 32);
        v1.putShort((short) 1).putInt(0).putInt(1).putLong(A).putShort((short) 2).putInt(1)
                .putInt(0).putInt(2).putLong(0).putLong(2).putLong(T0 + 2);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(v1.array(), 6, v1.capacity() - 6);
        v1.putInt(2, (int) crc.getValue());
        Files.write(snapshot, v1.array());
        log = logs.openLog();
        ProducerStateEntry a = log.producerStates().get(A);
        assertEquals(2, a.epoch());
        assertEquals(2, a.lastSeq());
        assertEquals(-1, a.currentTxnFirstOffset());
        assertEquals(-1, a.coordinatorEpoch());
        assertEquals(T0 + 2, a.lastTimestamp());
    }

    @Test
    void theCleanerRemovesAbortedRecordsAndKeepsMarkersAndCommittedRecords() throws IOException {
        log.close();
        log = logs.open(logs.dir().resolve("c-0"), compactConfig(CleanupConfig.compactDefaults()));
        log.appendAsLeader(KeyedBatches.batch(T0, "k", "committed-before"), 0);
        log.appendAsLeader(txnKeyed(A, 0, "k", "aborted"), 0);
        long abortA = marker(A, E0, false, 0);
        log.appendAsLeader(txnKeyed(B, 0, "j", "committed"), 0);
        long commitB = marker(B, E0, true, 0);
        for (int i = 0; i < 40; i++) { // roll past them
            log.appendAsLeader(KeyedBatches.batch(T0, "filler" + (i % 3), "x" + i), 0);
        }
        LogToClean target = LogToClean.of(log, log.cleanerSnapshot(), log.config().cleanup(), logs.clock.millis(),
                Long.MAX_VALUE);
        assertTrue(new LogCompactor(new KafkaCompactionCodec(), 1 << 20, () -> false).clean(target, logs.clock.millis())
                .completed());
        List<KeyedBatches.KeyedRecord> records = KeyedBatches.readAll(log);
        assertTrue(records.stream().anyMatch(r -> r.key().equals("k") && r.value().equals("committed-before")),
                "an aborted value never shadows a committed one: " + records);
        assertFalse(records.stream().anyMatch(r -> "aborted".equals(r.value())), records.toString());
        assertTrue(records.stream().anyMatch(r -> "committed".equals(r.value())));
        List<Long> controlOffsets = KeyedBatches.storedBatches(log).stream()
                .filter(b -> b.baseOffset() == abortA || b.baseOffset() == commitB).map(KeyedBatches.StoredBatch::baseOffset)
                .toList();
        assertEquals(List.of(abortA, commitB), controlOffsets, "markers are kept");
        assertEquals(1, log.collectAbortedTransactions(0, Long.MAX_VALUE).size(), "the index survives the swap");
    }

    static ByteBuffer txnKeyed(long pid, int seq, String key, String value) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, E0, seq,
                new SimpleRecord(T0, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)))
                .buffer();
    }

    List<Path> txnIndexFiles() throws IOException {
        try (Stream<Path> files = Files.list(logs.dir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(LogFileNames.TXN_INDEX_SUFFIX)).toList();
        }
    }
}
