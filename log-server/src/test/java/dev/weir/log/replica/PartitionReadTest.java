package dev.weir.log.replica;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.protocol.TxnMarkerBatches;
import dev.weir.log.storage.AppendOrigin;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Partition#read}: what each {@link FetchIsolation} may see, and the offsets the read reports. */
@Tag("fast")
class PartitionReadTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long PID_A = 1000;
    private static final long PID_B = 2000;
    private static final short EPOCH = 0;
    private static final int NO_LIMIT = Integer.MAX_VALUE;

    @TempDir
    Path dir;

    private PartitionLog log;

    @AfterEach
    void close() {
        log.close();
    }

    @BeforeEach
    void open() {
        log = PartitionLog.open(dir.resolve("t-0"), LogConfig.defaults(), Clock.systemUTC());
    }

    /** Broker 1 leads, with {@code replicas} all in sync. */
    private Partition leader(List<Integer> replicas) {
        Partition p = new Partition(new TopicPartition("t", 0), Uuid.randomUuid(), log, 1, () -> {});
        p.becomeLeader(new PartitionImage(0, 1, 5, replicas, replicas, 0), 0);
        return p;
    }

    private static List<KeyValueBatches.Entry> entries(int count) {
        List<KeyValueBatches.Entry> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new KeyValueBatches.Entry("k".getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Appends and returns the batch's size in bytes (the log stores a batch at the size it was produced). */
    private static int append(Partition p, ByteBuffer batch, AppendOrigin origin) {
        int size = batch.remaining();
        p.appendAsLeader(batch, false, origin);
        return size;
    }

    @Test
    void aConsumerReadsUpToTheHighWatermarkAndAFollowerToTheLogEnd() {
        Partition p = leader(List.of(1, 2));
        int first = append(p, KeyValueBatches.batch(entries(3), T0), AppendOrigin.CLIENT);
        int second = append(p, KeyValueBatches.batch(entries(3), T0), AppendOrigin.CLIENT);
        int third = append(p, KeyValueBatches.batch(entries(3), T0), AppendOrigin.CLIENT);
        p.onFollowerFetch(2, 6, 0, (partition, leaderEpoch, partitionEpoch, isr) -> {});
        assertEquals(6, p.highWatermark());

        ReadResult consumer = p.read(new FetchParams(0, NO_LIMIT, true), FetchIsolation.HIGH_WATERMARK);
        assertEquals(first + second, consumer.sizeInBytes(), "the batch above the high watermark is left out");
        assertEquals(6, consumer.highWatermark());
        assertEquals(6, consumer.lastStableOffset());
        assertEquals(0, consumer.logStartOffset());
        assertEquals(List.of(), consumer.abortedTransactions());

        ReadResult follower = p.read(new FetchParams(0, NO_LIMIT, true), FetchIsolation.LOG_END);
        assertEquals(first + second + third, follower.sizeInBytes());
        assertEquals(6, follower.highWatermark());
    }

    @Test
    void readCommittedStopsAtTheLastStableOffsetWithTheAbortedTransactions() {
        Partition p = leader(List.of(1));
        int plain = append(p, KeyValueBatches.batch(entries(2), T0), AppendOrigin.CLIENT);              // 0-1
        int aborted = append(p, KeyValueBatches.transactionalBatch(entries(3), T0, PID_A, EPOCH, 0),
                AppendOrigin.CLIENT);                                                                   // 2-4
        int marker = append(p, TxnMarkerBatches.endTxnMarker(PID_A, EPOCH, 0, false, T0),
                AppendOrigin.COORDINATOR);                                                              // 5
        int open = append(p, KeyValueBatches.transactionalBatch(entries(2), T0, PID_B, EPOCH, 0),
                AppendOrigin.CLIENT);                                                                   // 6-7
        assertEquals(8, p.highWatermark());

        ReadResult committed = p.read(new FetchParams(0, NO_LIMIT, true), FetchIsolation.TXN_COMMITTED);
        assertEquals(plain + aborted + marker, committed.sizeInBytes(), "B's open transaction is not stable yet");
        assertEquals(8, committed.highWatermark());
        assertEquals(6, committed.lastStableOffset());
        assertEquals(List.of(new ReadResult.AbortedTransaction(PID_A, 2)), committed.abortedTransactions());

        ReadResult uncommitted = p.read(new FetchParams(0, NO_LIMIT, true), FetchIsolation.HIGH_WATERMARK);
        assertEquals(plain + aborted + marker + open, uncommitted.sizeInBytes());
        assertEquals(6, uncommitted.lastStableOffset());
        assertEquals(List.of(), uncommitted.abortedTransactions(), "read_uncommitted consumers keep aborted records");

        ReadResult afterTheAbort = p.read(new FetchParams(6, NO_LIMIT, true), FetchIsolation.TXN_COMMITTED);
        assertEquals(0, afterTheAbort.sizeInBytes());
        assertEquals(List.of(), afterTheAbort.abortedTransactions());

        Map<Long, ProducerSnapshot> producers = p.producerStates().stream()
                .collect(Collectors.toMap(ProducerSnapshot::producerId, Function.identity()));
        assertEquals(-1, producers.get(PID_A).currentTxnStartOffset(), "A's transaction is over");
        assertEquals(6, producers.get(PID_B).currentTxnStartOffset());
        assertEquals(1, producers.get(PID_B).lastSequence());
    }

    @Test
    void anOffsetBeyondTheLogEndIsOutOfRange() {
        Partition p = leader(List.of(1));
        append(p, KeyValueBatches.batch(entries(2), T0), AppendOrigin.CLIENT);
        assertThrows(OffsetOutOfRangeException.class,
                () -> p.read(new FetchParams(3, NO_LIMIT, true), FetchIsolation.HIGH_WATERMARK));
    }

    @Test
    void isolationFollowsTheReplicaIdThenTheIsolationLevel() {
        assertEquals(FetchIsolation.LOG_END, FetchIsolation.of(2, (byte) 1));
        assertEquals(FetchIsolation.TXN_COMMITTED, FetchIsolation.of(-1, (byte) 1));
        assertEquals(FetchIsolation.HIGH_WATERMARK, FetchIsolation.of(-1, (byte) 0));
    }
}
