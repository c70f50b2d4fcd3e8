package dev.weir.log.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.coordinator.CoordinatorTestBroker;
import dev.weir.log.group.GroupConfig;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.group.GroupOperations.FetchResult;
import dev.weir.log.group.GroupOperations.PartitionCommit;
import dev.weir.log.group.GroupOperations.TxnCommitParams;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.TestMarkers;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.TransactionMarker;
import dev.weir.log.txn.TxnOperations.InitResult;
import dev.weir.log.txn.TxnOperations.TransactionDescription;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction coordinator over a real metadata store, logs, replica manager and group coordinator,
 * without a network: markers go to a fake {@link TxnMarkerChannel.MarkerWriter} that stands in for the
 * partition side (it appends real COMMIT/ABORT control batches to {@code __consumer_offsets} and tells the
 * group coordinator, as the txn-log branch's WriteTxnMarkers handler and marker listener will). A clock the
 * test moves drives timeouts and expiration.
 */
@Tag("fast")
class TransactionCoordinatorTest {
    private static final int TIMEOUT_MS = 10_000;
    private static final long EXPIRATION_MS = 3_600_000;

    @TempDir
    Path dir;
    final FakeWriter writer = new FakeWriter();
    CoordinatorTestBroker broker;
    GroupCoordinator groups;
    TransactionCoordinator txns;

    /** Records WriteTxnMarkers requests; answers NONE (writing __consumer_offsets markers) unless told to fail. */
    final class FakeWriter implements TxnMarkerChannel.MarkerWriter {
        final List<WriteTxnMarkersRequestData.WritableTxnMarker> sent = new CopyOnWriteArrayList<>();
        volatile boolean down;

        @Override
        public WriteTxnMarkersResponseData write(BrokerInfo broker, WriteTxnMarkersRequestData request) throws IOException {
            if (down) {
                throw new IOException("broker " + broker.nodeId() + " is down");
            }
            WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
            for (WriteTxnMarkersRequestData.WritableTxnMarker m : request.markers()) {
                sent.add(m);
                WriteTxnMarkersResponseData.WritableTxnMarkerResult result =
                        new WriteTxnMarkersResponseData.WritableTxnMarkerResult().setProducerId(m.producerId());
                for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic t : m.topics()) {
                    WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult tr =
                            new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(t.name());
                    for (int p : t.partitionIndexes()) {
                        if (GroupCoordinator.OFFSETS_TOPIC.equals(t.name())) {
                            appendMarker(new TopicPartition(t.name(), p), m);
                        }
                        tr.partitions().add(new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult()
                                .setPartitionIndex(p).setErrorCode(ErrorCode.NONE.code()));
                    }
                    result.topics().add(tr);
                }
                response.markers().add(result);
            }
            return response;
        }

        private void appendMarker(TopicPartition tp, WriteTxnMarkersRequestData.WritableTxnMarker m) {
            Partition partition = broker.replicas().partition(tp).orElseThrow();
            long offset = partition.log().logEndOffset();
            partition.log().appendAsFollower(TestMarkers.marker(offset, m.producerId(), m.producerEpoch(),
                    m.transactionResult(), m.coordinatorEpoch(), broker.clock.millis()));
            groups.onTransactionMarker(new TransactionMarker(tp, m.producerId(), m.producerEpoch(), m.transactionResult(), offset));
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void start() {
        broker = new CoordinatorTestBroker(dir);
        startCoordinators();
        broker.metadata().createTopic("t", 2, 1, Map.of());
        broker.metadata().createTopic("u", 1, 1, Map.of());
    }

    private void startCoordinators() {
        groups = new GroupCoordinator(1, new GroupConfig(0, 1, 1_800_000, 100, 5, 1, Long.MAX_VALUE / 4,
                Long.MAX_VALUE / 2, 4096, GroupConfig.OFFSETS_COMMIT_TIMEOUT_MS), broker.metadata(), broker.replicas(),
                broker.scheduler(), broker.clock);
        groups.start();
        groups.ensureOffsetsTopic();
        groups.awaitIdle();
        txns = new TransactionCoordinator(1, new TxnConfig(5, 1, 60_000, Long.MAX_VALUE / 2, EXPIRATION_MS, 1000),
                broker.metadata(), broker.replicas(), new ProducerIdAllocator(broker.metadata(), 10), broker.scheduler(),
                broker.clock, writer);
        txns.start();
        txns.ensureStateTopic();
        txns.awaitIdle();
    }

    /** New coordinators, logs and metadata over the same directory, as after a broker restart. */
    private void restartBroker() {
        txns.close();
        groups.close();
        broker.restart();
        startCoordinators();
    }

    @AfterEach
    void stop() {
        txns.close();
        groups.close();
        broker.close();
    }

    // --- tests ---

    @Test
    void transactionalIdsArePlacedByKafkasHashRule() {
        for (String id : List.of("a", "txn-1", "polygenelubricants", "")) {
            assertEquals(Utils.abs(id.hashCode()) % 5, txns.partitionFor(id), id);
        }
        assertEquals(ErrorCode.NONE, txns.findCoordinator("txn-1").error());
        assertEquals(1, txns.findCoordinator("txn-1").nodeId());
        assertEquals(ErrorCode.INVALID_REQUEST, txns.findCoordinator("").error());
    }

    @Test
    void initProducerIdAllocatesThenBumpsTheEpochAndFencesOlderIncarnations() {
        InitResult first = init("app", -1, (short) -1);
        assertEquals(ErrorCode.NONE, first.error());
        assertEquals(0, first.producerEpoch());
        InitResult second = init("app", -1, (short) -1);
        assertEquals(first.producerId(), second.producerId(), "the id keeps its producer id");
        assertEquals(1, second.producerEpoch());

        // The first incarnation is fenced everywhere on the coordinator.
        assertEquals(ErrorCode.PRODUCER_FENCED, add("app", first, tp("t", 0)));
        assertEquals(ErrorCode.PRODUCER_FENCED, end("app", first, true));
        // KIP-360: the current producer may re-initialize with its id and epoch ...
        InitResult third = init("app", second.producerId(), second.producerEpoch());
        assertEquals(2, third.producerEpoch());
        // ... and a retry of that request (carrying the epoch it had before) gets the same answer,
        assertEquals(third, init("app", second.producerId(), second.producerEpoch()));
        // but an older incarnation may not.
        assertEquals(ErrorCode.PRODUCER_FENCED, init("app", first.producerId(), first.producerEpoch()).error());

        assertEquals(ErrorCode.INVALID_TRANSACTION_TIMEOUT,
                txns.initProducerId("app", 60_001, -1, (short) -1).join().error(), "above transaction.max.timeout.ms");
        assertEquals(ErrorCode.INVALID_TRANSACTION_TIMEOUT, txns.initProducerId("app", 0, -1, (short) -1).join().error());
        assertNotEquals(first.producerId(), init("other", -1, (short) -1).producerId(), "ids get their own producer id");
    }

    @Test
    void aCommittedTransactionWritesPrepareCommitThenMarkersThenCompleteCommit() {
        InitResult p = init("app", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("app", p, tp("t", 0), tp("t", 1)));
        assertEquals(ErrorCode.NONE, add("app", p, tp("u", 0)));
        assertEquals(ErrorCode.NONE, add("app", p, tp("t", 0)), "adding a partition again is fine");
        TransactionDescription ongoing = txns.describe("app");
        assertEquals("Ongoing", ongoing.state());
        assertEquals(Set.of(tp("t", 0), tp("t", 1), tp("u", 0)), ongoing.partitions());
        assertEquals(broker.clock.millis(), ongoing.startMs());

        assertEquals(ErrorCode.NONE, end("app", p, true));
        await(() -> txns.describe("app").state().equals("CompleteCommit"));
        WriteTxnMarkersRequestData.WritableTxnMarker marker = writer.sent.get(0);
        assertEquals(p.producerId(), marker.producerId());
        assertEquals(p.producerEpoch(), marker.producerEpoch());
        assertTrue(marker.transactionResult());
        assertEquals(Set.of(tp("t", 0), tp("t", 1), tp("u", 0)), partitions(writer.sent));
        assertEquals(Set.of(), txns.describe("app").partitions());

        assertEquals(ErrorCode.NONE, end("app", p, true), "a retried EndTxn succeeds");
        assertEquals(ErrorCode.INVALID_TXN_STATE, end("app", p, false), "but the other outcome is refused");
        // The next transaction starts from CompleteCommit.
        assertEquals(ErrorCode.NONE, add("app", p, tp("t", 1)));
        assertEquals(ErrorCode.NONE, end("app", p, false));
        await(() -> txns.describe("app").state().equals("CompleteAbort"));
        assertTrue(!writer.sent.get(writer.sent.size() - 1).transactionResult());
    }

    @Test
    void requestsOutOfTurnGetKafkasErrors() {
        InitResult p = init("app", -1, (short) -1);
        assertEquals(ErrorCode.INVALID_TXN_STATE, end("app", p, true), "nothing to end");
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING,
                txns.addPartitions("app", p.producerId() + 1, p.producerEpoch(), Set.of(tp("t", 0))).join());
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING,
                txns.addPartitions("nobody", p.producerId(), p.producerEpoch(), Set.of(tp("t", 0))).join());
        assertEquals(ErrorCode.INVALID_REQUEST, txns.endTxn("", p.producerId(), p.producerEpoch(), true).join());
        assertEquals(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, txns.describe("nobody").error());

        writer.down = true;
        assertEquals(ErrorCode.NONE, add("app", p, tp("t", 0)));
        assertEquals(ErrorCode.NONE, end("app", p, true), "EndTxn answers once PrepareCommit is written");
        assertEquals("PrepareCommit", txns.describe("app").state());
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS, add("app", p, tp("t", 1)), "markers still pending");
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS, end("app", p, true));
        assertEquals(ErrorCode.INVALID_TXN_STATE, end("app", p, false));
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS, init("app", -1, (short) -1).error());
        writer.down = false;
        await(() -> txns.describe("app").state().equals("CompleteCommit"));
        assertEquals(1, init("app", -1, (short) -1).producerEpoch());
    }

    @Test
    void aNewIncarnationAbortsTheTransactionItsPredecessorLeftOpenAtABumpedEpoch() {
        InitResult old = init("app", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("app", old, tp("t", 0)));

        writer.down = true;
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS, init("app", -1, (short) -1).error());
        TransactionDescription aborting = txns.describe("app");
        assertEquals("PrepareAbort", aborting.state());
        assertEquals(1, aborting.producerEpoch(), "the abort runs at a bumped epoch, fencing the old producer");
        assertEquals(ErrorCode.PRODUCER_FENCED, end("app", old, true));
        assertEquals(ErrorCode.CONCURRENT_TRANSACTIONS, init("app", -1, (short) -1).error(), "until the abort completes");

        writer.down = false;
        await(() -> txns.describe("app").state().equals("CompleteAbort"));
        WriteTxnMarkersRequestData.WritableTxnMarker marker = writer.sent.get(0);
        assertEquals(1, marker.producerEpoch());
        assertTrue(!marker.transactionResult());
        InitResult fresh = init("app", -1, (short) -1);
        assertEquals(ErrorCode.NONE, fresh.error());
        assertEquals(2, fresh.producerEpoch());
    }

    @Test
    void aTransactionPastItsTimeoutIsAbortedAndItsProducerFenced() {
        InitResult p = init("app", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("app", p, tp("t", 0)));
        broker.clock.advance(TIMEOUT_MS);
        txns.runTimeoutCheckNow();
        assertEquals("Ongoing", txns.describe("app").state(), "not past the timeout yet");

        broker.clock.advance(1);
        txns.runTimeoutCheckNow();
        await(() -> txns.describe("app").state().equals("CompleteAbort"));
        assertEquals(1, txns.describe("app").producerEpoch());
        assertEquals(1, writer.sent.get(0).producerEpoch());
        assertEquals(ErrorCode.PRODUCER_FENCED, end("app", p, true), "the zombie cannot commit");
        assertEquals(ErrorCode.PRODUCER_FENCED, add("app", p, tp("t", 1)));
        assertEquals(2, init("app", -1, (short) -1).producerEpoch(), "a new incarnation carries on");
    }

    @Test
    void stateSurvivesARestartAndPendingMarkersAreResent() {
        InitResult a = init("committed", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("committed", a, tp("t", 0)));
        assertEquals(ErrorCode.NONE, end("committed", a, true));
        await(() -> txns.describe("committed").state().equals("CompleteCommit"));
        InitResult b = init("open", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("open", b, tp("t", 1), tp("u", 0)));
        InitResult c = init("preparing", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("preparing", c, tp("u", 0)));
        writer.down = true;
        assertEquals(ErrorCode.NONE, end("preparing", c, false));
        assertEquals("PrepareAbort", txns.describe("preparing").state());

        writer.down = false;
        writer.sent.clear();
        restartBroker();

        TransactionDescription committed = txns.describe("committed");
        assertEquals("CompleteCommit", committed.state());
        assertEquals(a.producerId(), committed.producerId());
        TransactionDescription open = txns.describe("open");
        assertEquals("Ongoing", open.state());
        assertEquals(Set.of(tp("t", 1), tp("u", 0)), open.partitions());
        assertEquals(TIMEOUT_MS, open.timeoutMs());
        await(() -> txns.describe("preparing").state().equals("CompleteAbort"));
        assertEquals(Set.of(tp("u", 0)), partitions(writer.sent), "the new coordinator resends the pending markers");
        // The producers carry on with their epochs; new producer ids do not collide with old ones.
        assertEquals(ErrorCode.NONE, end("open", b, true));
        await(() -> txns.describe("open").state().equals("CompleteCommit"));
        long next = init("new", -1, (short) -1).producerId();
        assertTrue(next != a.producerId() && next != b.producerId() && next != c.producerId());
    }

    @Test
    void markersForAPartitionThatIsGoneAreNotAwaited() {
        InitResult p = init("app", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("app", p, tp("t", 0), tp("u", 0)));
        writer.down = true;
        assertEquals(ErrorCode.NONE, end("app", p, true));
        broker.metadata().deleteTopic("t");
        broker.metadata().deleteTopic("u");
        writer.down = false;
        await(() -> txns.describe("app").state().equals("CompleteCommit"));
    }

    @Test
    void describeAndListShowStatesAndFilter() {
        InitResult a = init("alpha", -1, (short) -1);
        InitResult b = init("beta", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("beta", b, tp("t", 0)));
        broker.clock.advance(500);

        var all = txns.list(List.of(), List.of(), -1, null);
        assertEquals(ErrorCode.NONE, all.error());
        assertEquals(Set.of("alpha", "beta"), ids(all));
        assertEquals(Set.of("beta"), ids(txns.list(List.of("Ongoing"), List.of(), -1, null)));
        assertEquals(Set.of("alpha"), ids(txns.list(List.of("empty"), List.of(), -1, null)));
        assertEquals(Set.of("alpha"), ids(txns.list(List.of(), List.of(a.producerId()), -1, null)));
        assertEquals(Set.of("beta"), ids(txns.list(List.of(), List.of(), 500, null)), "open at least 500 ms");
        assertEquals(Set.of(), ids(txns.list(List.of(), List.of(), 501, null)));
        assertEquals(Set.of("alpha"), ids(txns.list(List.of(), List.of(), -1, "al.*")));
        var unknown = txns.list(List.of("Bogus", "Ongoing"), List.of(), -1, null);
        assertEquals(List.of("Bogus"), unknown.unknownStates());
        assertEquals(Set.of("beta"), ids(unknown));

        TransactionDescription d = txns.describe("beta");
        assertEquals(ErrorCode.NONE, d.error());
        assertEquals(b.producerId(), d.producerId());
        assertEquals(TIMEOUT_MS, d.timeoutMs());
        assertEquals(-1, txns.describe("alpha").startMs(), "no open transaction");
    }

    @Test
    void idleTransactionalIdsExpire() {
        InitResult p = init("idle", -1, (short) -1);
        InitResult q = init("busy", -1, (short) -1);
        assertEquals(ErrorCode.NONE, add("busy", q, tp("t", 0)));
        broker.clock.advance(EXPIRATION_MS + 1);
        // busy's transaction times out (and is aborted) in the same pass; idle is removed.
        txns.runTimeoutCheckNow();
        await(() -> txns.describe("idle").error() == ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, add("idle", p, tp("t", 0)));
        restartBroker();
        assertEquals(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, txns.describe("idle").error(), "the tombstone survives");
        assertEquals(ErrorCode.NONE, txns.describe("busy").error());
    }

    @Test
    void offsetsCommittedInATransactionCountOnlyOnceItCommits() {
        InitResult p = init("eos", -1, (short) -1);
        TopicPartition offsets = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, groups.partitionFor("g"));
        assertEquals(ErrorCode.NONE, txns.addPartitions("eos", p.producerId(), p.producerEpoch(), Set.of(offsets)).join());
        assertEquals(Map.of(tp("t", 0), ErrorCode.NONE), txnCommit("g", p, tp("t", 0), 10));

        assertEquals(Map.of(), groups.fetchOffsets("g", null).offsets(), "pending until the transaction commits");
        FetchResult stable = groups.fetchOffsets("g", List.of(tp("t", 0)), true);
        assertEquals(Set.of(tp("t", 0)), stable.unstable(), "require_stable: UNSTABLE_OFFSET_COMMIT");

        // A coordinator restarted mid-transaction keeps them pending too.
        restartBroker();
        assertEquals(Set.of(tp("t", 0)), groups.fetchOffsets("g", List.of(tp("t", 0)), true).unstable());
        assertEquals(ErrorCode.NONE, end("eos", p, true));
        await(() -> txns.describe("eos").state().equals("CompleteCommit"));
        assertEquals(10, groups.fetchOffsets("g", null).offsets().get(tp("t", 0)).offset());
        assertEquals(Set.of(), groups.fetchOffsets("g", List.of(tp("t", 0)), true).unstable());

        // An aborted transaction's offsets are dropped; the committed one stays.
        assertEquals(ErrorCode.NONE, txns.addPartitions("eos", p.producerId(), p.producerEpoch(), Set.of(offsets)).join());
        assertEquals(Map.of(tp("t", 0), ErrorCode.NONE), txnCommit("g", p, tp("t", 0), 20));
        assertEquals(ErrorCode.NONE, end("eos", p, false));
        await(() -> txns.describe("eos").state().equals("CompleteAbort"));
        assertEquals(10, groups.fetchOffsets("g", null).offsets().get(tp("t", 0)).offset());

        // Both outcomes are replayed from the log: commit marker applies, abort marker drops.
        restartBroker();
        assertEquals(10, groups.fetchOffsets("g", null).offsets().get(tp("t", 0)).offset());
        assertEquals(Set.of(), groups.fetchOffsets("g", List.of(tp("t", 0)), true).unstable());
    }

    @Test
    void txnOffsetCommitIsFencedByMemberAndGeneration() {
        InitResult p = init("eos", -1, (short) -1);
        // A group this coordinator does not know: a member's generation cannot be current.
        assertEquals(Map.of(tp("t", 0), ErrorCode.ILLEGAL_GENERATION), groups.txnCommitOffsets(new TxnCommitParams("eos",
                "unknown", p.producerId(), p.producerEpoch(), 3, "m-1", null,
                List.of(new PartitionCommit(tp("t", 0), 1, -1, "")))).join());
        // A simple (generation -1) transactional commit is accepted.
        assertEquals(Map.of(tp("t", 0), ErrorCode.NONE), txnCommit("simple", p, tp("t", 0), 1));
    }

    @Test
    void theStateTableRefusesTransitionsItDoesNotList() {
        TransactionMetadata empty = TransactionMetadata.fresh("x", 7, 1000, 0).initialized(1000, 8, 0);
        assertEquals(0, empty.producerEpoch());
        assertThrows(IllegalStateException.class, () -> empty.prepared(true, 1), "Empty cannot prepare a commit");
        assertThrows(IllegalStateException.class, () -> empty.completed(1));
        TransactionMetadata ongoing = empty.withPartitions(Set.of(tp("t", 0)), 5);
        assertThrows(IllegalStateException.class, () -> ongoing.initialized(1000, 8, 6), "Ongoing must abort first");
        assertThrows(IllegalStateException.class, () -> ongoing.dead(6));
        TransactionMetadata fence = ongoing.fenced(6);
        assertEquals(TransactionState.PREPARE_EPOCH_FENCE, fence.state());
        assertThrows(IllegalStateException.class, () -> fence.prepared(true, 7), "a fence only aborts");
        assertEquals(TransactionState.COMPLETE_ABORT, fence.prepared(false, 7).completed(8).state());

        // Epoch exhaustion moves the id to a new producer id at epoch 0.
        TransactionMetadata exhausted = new TransactionMetadata("x", 7, -1, TransactionMetadata.MAX_EPOCH, (short) 5,
                1000, TransactionState.COMPLETE_COMMIT, Set.of(), -1, 0);
        TransactionMetadata renewed = exhausted.initialized(1000, 8, 1);
        assertEquals(8, renewed.producerId());
        assertEquals(7, renewed.previousProducerId());
        assertEquals(0, renewed.producerEpoch());

        // The record format round-trips.
        TransactionMetadata prepared = ongoing.withPartitions(Set.of(tp("u", 3)), 6).prepared(true, 9);
        assertEquals(prepared, TxnRecords.readValue("x", java.nio.ByteBuffer.wrap(TxnRecords.value(prepared))));
        assertEquals("x", TxnRecords.readKey(java.nio.ByteBuffer.wrap(TxnRecords.key("x"))));
    }

    // --- helpers ---

    private InitResult init(String id, long pid, short epoch) {
        return txns.initProducerId(id, TIMEOUT_MS, pid, epoch).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private ErrorCode add(String id, InitResult p, TopicPartition... partitions) {
        return txns.addPartitions(id, p.producerId(), p.producerEpoch(), Set.of(partitions))
                .orTimeout(30, TimeUnit.SECONDS).join();
    }

    private ErrorCode end(String id, InitResult p, boolean commit) {
        return txns.endTxn(id, p.producerId(), p.producerEpoch(), commit).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private Map<TopicPartition, ErrorCode> txnCommit(String group, InitResult p, TopicPartition tp, long offset) {
        return groups.txnCommitOffsets(new TxnCommitParams("eos", group, p.producerId(), p.producerEpoch(), -1, "", null,
                new ArrayList<>(List.of(new PartitionCommit(tp, offset, -1, ""))))).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static Set<String> ids(TxnOperations.ListResult result) {
        Set<String> out = new java.util.HashSet<>();
        result.transactions().forEach(t -> out.add(t.transactionalId()));
        return out;
    }

    private static Set<TopicPartition> partitions(List<WriteTxnMarkersRequestData.WritableTxnMarker> markers) {
        Set<TopicPartition> out = new java.util.HashSet<>();
        for (var m : markers) {
            for (var t : m.topics()) {
                t.partitionIndexes().forEach(p -> out.add(new TopicPartition(t.name(), p)));
            }
        }
        return out;
    }

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    private static void await(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }
}
