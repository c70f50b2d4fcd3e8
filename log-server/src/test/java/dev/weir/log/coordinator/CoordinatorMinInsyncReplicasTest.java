package dev.weir.log.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.group.GroupConfig;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.group.GroupOperations.CommitParams;
import dev.weir.log.group.GroupOperations.PartitionCommit;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.replica.AppendResult;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.storage.AppendOrigin;
import dev.weir.log.txn.ProducerIdAllocator;
import dev.weir.log.txn.TransactionCoordinator;
import dev.weir.log.txn.TxnConfig;
import dev.weir.log.txn.TxnOperations.InitResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes to {@code __consumer_offsets} and {@code __transaction_state} go through the one append path with acks=all,
 * as in Kafka: with fewer in-sync replicas than {@code min.insync.replicas} they are refused before anything is
 * written, and the coordinators answer COORDINATOR_NOT_AVAILABLE (Kafka's GroupCoordinator and
 * TransactionStateManager map NOT_ENOUGH_REPLICAS so); a write the ISR does not acknowledge in time gets
 * REQUEST_TIMED_OUT for an offset commit and COORDINATOR_NOT_AVAILABLE for a transaction's state.
 */
@Tag("fast")
class CoordinatorMinInsyncReplicasTest {
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final long WRITE_TIMEOUT_MS = 300;
    private static final int PARTITIONS = 2;

    @TempDir
    Path dir;
    CoordinatorTestBroker broker;
    GroupCoordinator groups;
    TransactionCoordinator txns;

    /**
     * Broker 1 with the coordinators, their topics (2 partitions each) created with {@code replicationFactor}, and
     * topic t (1 partition).
     */
    private void start(Map<String, String> overrides, int replicationFactor) {
        broker = new CoordinatorTestBroker(dir, overrides);
        if (replicationFactor > 1) {
            // A second registered broker that never runs: it is in the ISR of every partition but never fetches.
            broker.metadata().registerBroker(new BrokerInfo(2, "localhost", 9093, null));
        }
        groups = new GroupCoordinator(1, new GroupConfig(0, 1, 1_800_000, 100, PARTITIONS, replicationFactor, Long.MAX_VALUE / 4,
                Long.MAX_VALUE / 2, 4096, WRITE_TIMEOUT_MS), broker.metadata(), broker.replicas(), broker.scheduler(),
                broker.clock);
        groups.start();
        groups.ensureOffsetsTopic();
        groups.awaitIdle();
        txns = new TransactionCoordinator(1, new TxnConfig(PARTITIONS, replicationFactor, 60_000, Long.MAX_VALUE / 2,
                Long.MAX_VALUE / 2, (int) WRITE_TIMEOUT_MS), broker.metadata(), broker.replicas(),
                new ProducerIdAllocator(broker.metadata(), 10), broker.scheduler(), broker.clock, null);
        txns.start();
        txns.ensureStateTopic();
        txns.awaitIdle();
        broker.metadata().createTopic("t", 1, 1, Map.of());
    }

    @AfterEach
    void stop() {
        txns.close();
        groups.close();
        broker.close();
    }

    @Test
    void theAppendPathRefusesAcksAllBelowMinInsyncReplicasAndWritesNothing() {
        start(Map.of("min.insync.replicas", "2"), 1);
        ReplicaManager replicas = broker.replicas();

        assertThrows(NotEnoughReplicasException.class,
                () -> replicas.appendRecords(T0, batch("refused"), ReplicaManager.ACKS_ALL, 1_000, AppendOrigin.CLIENT));
        assertEquals(0, logEnd(T0), "nothing was written");

        AppendResult acksOne = replicas.appendRecords(T0, batch("accepted"), (short) 1, 1_000, AppendOrigin.CLIENT)
                .getNow(null);
        assertEquals(0, acksOne.firstOffset(), "acks=1 does not wait for the ISR: done at once");
    }

    @Test
    void anOffsetCommitBelowMinInsyncReplicasGetsCoordinatorNotAvailableUntilTheIsrSuffices() {
        start(Map.of("min.insync.replicas", "2"), 1);
        TopicPartition offsetsPartition = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, groups.partitionFor("g"));
        long before = logEnd(offsetsPartition);

        assertEquals(Map.of(T0, ErrorCode.COORDINATOR_NOT_AVAILABLE), commit("g", 5));
        assertEquals(Map.of(), groups.fetchOffsets("g", null).offsets(), "a refused commit is not visible");
        assertEquals(before, logEnd(offsetsPartition), "nothing was written");

        lowerMinInsyncReplicas(GroupCoordinator.OFFSETS_TOPIC);
        assertEquals(Map.of(T0, ErrorCode.NONE), commit("g", 5));
        assertEquals(5, groups.fetchOffsets("g", null).offsets().get(T0).offset());
    }

    @Test
    void aTransactionStateWriteBelowMinInsyncReplicasGetsCoordinatorNotAvailableUntilTheIsrSuffices() {
        start(Map.of("min.insync.replicas", "2"), 1);
        TopicPartition statePartition = new TopicPartition(TransactionCoordinator.STATE_TOPIC, txns.partitionFor("tx"));
        long before = logEnd(statePartition);

        InitResult refused = init("tx");
        assertEquals(ErrorCode.COORDINATOR_NOT_AVAILABLE, refused.error(), "the producer retries, as with Kafka");
        assertEquals(before, logEnd(statePartition), "nothing was written");

        lowerMinInsyncReplicas(TransactionCoordinator.STATE_TOPIC);
        InitResult accepted = init("tx");
        assertEquals(ErrorCode.NONE, accepted.error());
        assertEquals(0, accepted.producerEpoch());
        assertTrue(logEnd(statePartition) > before, "the state was written");
    }

    @Test
    void writesTheIsrDoesNotAcknowledgeInTimeFailAsKafkasCoordinatorsAnswer() {
        // Broker 2 is in every ISR (and stays: it is never found lagging) but never fetches, so nothing is acknowledged.
        start(Map.of("replica.lag.time.max.ms", String.valueOf(TimeUnit.HOURS.toMillis(1))), 2);
        broker.metadata().createTopic("r", PARTITIONS, 2, Map.of());
        int ledHere = broker.replicas().partition(new TopicPartition("r", 0)).orElseThrow().isLeader() ? 0 : 1;
        CompletableFuture<AppendResult> produced = broker.replicas().appendRecords(new TopicPartition("r", ledHere),
                batch("x"), ReplicaManager.ACKS_ALL, WRITE_TIMEOUT_MS, AppendOrigin.CLIENT);
        CompletionException failure = assertThrows(CompletionException.class, produced::join);
        assertTrue(failure.getCause() instanceof TimeoutException, "REQUEST_TIMED_OUT for a producer: " + failure);

        String groupId = keyLedHere(GroupCoordinator.OFFSETS_TOPIC, "g", groups::partitionFor);
        assertEquals(Map.of(T0, ErrorCode.REQUEST_TIMED_OUT), commit(groupId, 5), "Kafka passes the timeout on");
        String transactionalId = keyLedHere(TransactionCoordinator.STATE_TOPIC, "tx", txns::partitionFor);
        assertEquals(ErrorCode.COORDINATOR_NOT_AVAILABLE, init(transactionalId).error());
    }

    /** A key (prefix + number) whose partition of {@code topic} broker 1 leads. */
    private String keyLedHere(String topic, String prefix, ToIntFunction<String> partitionFor) {
        for (int i = 0; ; i++) {
            String key = prefix + i;
            if (broker.replicas().partition(new TopicPartition(topic, partitionFor.applyAsInt(key)))
                    .orElseThrow().isLeader()) {
                return key;
            }
        }
    }

    private Map<TopicPartition, ErrorCode> commit(String groupId, long offset) {
        return groups.commitOffsets(new CommitParams(groupId, -1, "", null,
                List.of(new PartitionCommit(T0, offset, -1, "")), false)).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private InitResult init(String transactionalId) {
        return txns.initProducerId(transactionalId, 60_000, -1, (short) -1).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private void lowerMinInsyncReplicas(String topic) {
        Map<String, String> configs = new HashMap<>(broker.metadata().current().topic(topic).orElseThrow().configs());
        configs.put("min.insync.replicas", "1");
        broker.metadata().setTopicConfigs(topic, configs);
    }

    private long logEnd(TopicPartition tp) {
        return broker.replicas().partition(tp).orElseThrow().log().logEndOffset();
    }

    private static ByteBuffer batch(String value) {
        return KeyValueBatches.batch(List.of(new KeyValueBatches.Entry(null, value.getBytes(StandardCharsets.UTF_8))),
                0);
    }
}
