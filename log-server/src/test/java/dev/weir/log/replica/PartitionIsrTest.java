package dev.weir.log.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.storage.AppendOrigin;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leader's bookkeeping of followers: high watermark over the ISR, ISR expansion and lag-based shrinking. */
@Tag("fast")
class PartitionIsrTest {
    private static final long LAG_MS = 10_000;

    @TempDir
    Path dir;

    private PartitionLog log;
    private Partition partition;
    private final AtomicInteger hwMoves = new AtomicInteger();
    private final List<List<Integer>> proposals = new ArrayList<>();
    private final Partition.IsrProposals recorder = (p, leaderEpoch, partitionEpoch, isr) -> proposals.add(isr);

    @BeforeEach
    void open() {
        log = PartitionLog.open(dir.resolve("t-0"), LogConfig.defaults(), Clock.systemUTC());
        partition = new Partition(new TopicPartition("t", 0), Uuid.randomUuid(), log, 1, hwMoves::incrementAndGet);
        partition.becomeLeader(image(List.of(1, 2, 3), 0), 0);
    }

    @AfterEach
    void close() {
        log.close();
    }

    private static PartitionImage image(List<Integer> isr, int partitionEpoch) {
        return new PartitionImage(0, 1, 5, List.of(1, 2, 3), isr, partitionEpoch);
    }

    private void append(int records) {
        List<KeyValueBatches.Entry> entries = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            entries.add(new KeyValueBatches.Entry("k".getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        partition.appendAsLeader(KeyValueBatches.batch(entries, 0), true, AppendOrigin.CLIENT);
    }

    @Test
    void highWatermarkIsTheSmallestLogEndOffsetInTheIsr() throws Exception {
        append(10);
        assertEquals(0, partition.highWatermark(), "followers have not fetched yet");
        CompletableFuture<Void> acked = partition.awaitHighWatermark(10);
        partition.onFollowerFetch(2, 10, 1, recorder);
        assertEquals(0, partition.highWatermark(), "follower 3 has not reported");
        partition.onFollowerFetch(3, 4, 1, recorder);
        assertEquals(4, partition.highWatermark());
        assertFalse(acked.isDone());
        partition.onFollowerFetch(3, 10, 2, recorder);
        assertEquals(10, partition.highWatermark());
        acked.get();
        assertTrue(hwMoves.get() >= 2, "consumers waiting at the high watermark are woken");
    }

    @Test
    void aFollowerThatStopsCatchingUpIsProposedForRemovalAfterTheLag() {
        append(10);
        partition.onFollowerFetch(2, 10, 1_000, recorder);
        partition.onFollowerFetch(3, 10, 1_000, recorder);
        append(5);
        partition.onFollowerFetch(2, 15, 2_000, recorder); // 3 stops fetching
        partition.maybeShrinkIsr(1_000 + LAG_MS, LAG_MS, recorder);
        assertEquals(List.of(), proposals, "not yet lagging long enough");
        partition.maybeShrinkIsr(1_001 + LAG_MS, LAG_MS, recorder);
        assertEquals(List.of(List.of(1, 2)), proposals);
        assertEquals(10, partition.highWatermark(), "the pending removal still counts for the high watermark");

        partition.updateAssignment(image(List.of(1, 2), 1), 1_002 + LAG_MS);
        assertEquals(15, partition.highWatermark(), "with 3 out of the ISR the high watermark moves on");
    }

    @Test
    void aFollowerThatCaughtUpIsProposedForTheIsr() {
        partition.updateAssignment(image(List.of(1, 2), 1), 0);
        append(10);
        partition.onFollowerFetch(2, 10, 1, recorder);
        partition.onFollowerFetch(3, 5, 1, recorder);
        assertEquals(List.of(), proposals, "3 is below the high watermark");
        partition.onFollowerFetch(3, 10, 2, recorder);
        assertEquals(List.of(List.of(1, 2, 3)), proposals);
    }

    @Test
    void aFollowerAheadOfTheLeaderIsRefusedAndNeverJoinsTheIsr() {
        partition.updateAssignment(image(List.of(1, 2), 1), 0);
        append(5);
        partition.onFollowerFetch(2, 5, 1, recorder);
        assertThrows(org.apache.kafka.common.errors.OffsetOutOfRangeException.class,
                () -> partition.onFollowerFetch(3, 8, 1, recorder));
        assertEquals(List.of(), proposals, "a divergent follower must truncate before it may join the ISR");
        assertEquals(5, partition.highWatermark());
    }

    @Test
    void minInsyncReplicasRefusesAcksAllButNotAcksOne() {
        partition.setMinInsyncReplicas(3);
        partition.updateAssignment(image(List.of(1, 2), 1), 0);
        assertThrows(NotEnoughReplicasException.class, () -> append(1));
        partition.appendAsLeader(KeyValueBatches.batch(List.of(new KeyValueBatches.Entry(null, new byte[1])), 0), false, AppendOrigin.CLIENT);
        assertEquals(1, log.logEndOffset());
    }

    @Test
    void anAcksAllWriteWhoseIsrShrankBelowMinInsyncReplicasBeforeItWasReplicatedFailsAfterAppend() throws Exception {
        partition.setMinInsyncReplicas(3);
        append(10);
        CompletableFuture<Void> acked = partition.awaitAcksAll(10);
        partition.onFollowerFetch(2, 10, 1, recorder);
        partition.onFollowerFetch(3, 10, 1, recorder);
        acked.get();

        append(5);
        CompletableFuture<Void> shrunk = partition.awaitAcksAll(15);
        partition.onFollowerFetch(2, 15, 2, recorder); // 3 stops fetching and leaves the ISR
        assertFalse(shrunk.isDone());
        partition.updateAssignment(image(List.of(1, 2), 1), 3);
        assertEquals(15, partition.highWatermark(), "the records are committed for the smaller ISR");
        ExecutionException e = assertThrows(ExecutionException.class, shrunk::get);
        assertInstanceOf(NotEnoughReplicasAfterAppendException.class, e.getCause(), "two replicas hold them, not three");
    }

    @Test
    void losingLeadershipFailsParkedAcksAllWrites() {
        append(3);
        CompletableFuture<Void> acked = partition.awaitHighWatermark(3);
        partition.becomeFollower(new PartitionImage(0, 2, 6, List.of(1, 2, 3), List.of(2, 3), 2));
        ExecutionException e = assertThrows(ExecutionException.class, acked::get);
        assertInstanceOf(NotLeaderOrFollowerException.class, e.getCause());
        assertThrows(NotLeaderOrFollowerException.class, () -> append(1));
    }
}
