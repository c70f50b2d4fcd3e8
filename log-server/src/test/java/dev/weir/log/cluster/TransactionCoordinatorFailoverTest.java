package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ChildCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers as separate processes; a transactional producer writes to an RF=3 topic and the broker that
 * coordinates its transactional id is killed with SIGKILL in the middle of a transaction: in round 1 after
 * the transaction's records are written and before the commit; in round 2 (after the first broker is back)
 * while the commit is in flight; in round 3 after the commit is decided (PrepareCommit acknowledged) while
 * its markers are held back. The transaction
 * then completes or aborts as a whole (read_committed sees all of it or none of it, and the last stable
 * offset reaches the end of every partition), and the producer recovers: its next transaction commits and
 * is visible. {@code __transaction_state} is replicated to all three brokers, which is what lets another
 * broker take the coordination over.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class TransactionCoordinatorFailoverTest {
    private static final String TOPIC = "txn-failover";
    private static final String TXN_ID = "failover-id";
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 10;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ChildCluster cluster;

    @AfterEach
    void killEverything() throws InterruptedException {
        closeProducer();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingTheCoordinatorMidTransactionLeavesItWholeOrAbsentAndTheProducerRecovers() throws Exception {
        long start = System.nanoTime();
        cluster = new ChildCluster(dir, "txn-failover", 3, Map.of(
                "transaction.state.log.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));
        cluster.startAll();
        System.out.printf("[txn-failover] cluster of 3 started in %d ms%n", millisSince(start));
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).ignoreExceptions().until(() -> fullIsr(admin, TOPIC));
        }

        producer = producer();
        producer.initTransactions();
        try (Admin admin = cluster.admin()) {
            TopicDescription state = admin.describeTopics(List.of("__transaction_state")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("__transaction_state");
            for (TopicPartitionInfo p : state.partitions()) {
                assertEquals(3, p.replicas().size(), "__transaction_state-" + p.partition() + " has RF 3");
            }
        }
        // Round 1: the coordinator dies after the transaction's records are written, before the commit.
        restart(round(1, Kill.BEFORE_COMMIT));
        // Round 2: the coordinator dies while the commit is in flight.
        restart(round(2, Kill.DURING_COMMIT));
        // Round 3: the coordinator dies with the commit decided (PrepareCommit written and acknowledged) and its
        // markers not yet written; the next coordinator must finish it from the state it loads.
        round(3, Kill.PREPARED);

        // Everything under read_committed, once no transaction is open any more.
        Map<Integer, List<String>> seen = readCommitted();
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> expected = new ArrayList<>();
            List<String> got = seen.get(p);
            for (int r = 1; r <= 3; r++) {
                expected.addAll(values("before" + r, p));
                List<String> middle = values("middle" + r, p);
                boolean visible = got.containsAll(middle);
                assertTrue(visible || got.stream().noneMatch(middle::contains),
                        "partition " + p + ": the interrupted transaction of round " + r + " is all there or not at all: "
                                + got);
                outcomes.computeIfAbsent(r, x -> new java.util.HashSet<>()).add(visible);
                if (committed.contains(r)) {
                    assertTrue(visible, "partition " + p + ": round " + r + "'s commit succeeded, so it is visible");
                }
                if (visible) {
                    expected.addAll(middle);
                }
                expected.addAll(values("after" + r, p));
            }
            assertEquals(expected, got, "partition " + p + " under read_committed");
        }
        outcomes.forEach((r, o) -> assertEquals(1, o.size(), "round " + r + ": one outcome on every partition"));
        System.out.printf("[txn-failover] done in %d ms%n", millisSince(start));
    }

    private enum Kill { BEFORE_COMMIT, DURING_COMMIT, PREPARED }

    private KafkaProducer<String, String> producer;
    private final Set<Integer> committed = new java.util.HashSet<>();
    private final Map<Integer, Set<Boolean>> outcomes = new HashMap<>();

    private void closeProducer() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    /**
     * Commits a transaction, then kills the id's coordinator in the middle of the next one (before or during
     * its commit), then checks the producer recovers: a transaction after the kill commits. Returns the node
     * killed.
     */
    private int round(int round, Kill when) throws Exception {
        int coordinator;
        try (Admin admin = cluster.admin()) {
            coordinator = describe(admin).coordinatorId();
        }
        System.out.printf("[txn-failover] round %d: broker %d coordinates '%s'%n", round, coordinator, TXN_ID);
        producer.beginTransaction();
        sendAll(producer, "before" + round);
        commitRetryingTimeouts(producer);

        producer.beginTransaction();
        sendAll(producer, "middle" + round);
        producer.flush(); // written to every partition (acks=all)
        KafkaProducer<String, String> current = producer;
        CompletableFuture<Void> commit = null;
        if (when == Kill.DURING_COMMIT) {
            commit = CompletableFuture.runAsync(() -> commitRetryingTimeouts(current));
        } else if (when == Kill.PREPARED) {
            // Markers are appended like acks=all writes: with min.insync.replicas above the replication factor
            // no partition takes them, so the transaction stays in PrepareCommit.
            setMinInsyncReplicas("4");
            producer.commitTransaction(); // answered once PrepareCommit is written
            committed.add(round);
            try (Admin admin = cluster.admin()) {
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                        .until(() -> describe(admin).state() == TransactionState.PREPARE_COMMIT);
            }
        }
        long killedAt = System.nanoTime();
        cluster.kill9(coordinator);
        System.out.printf("[txn-failover] round %d: killed broker %d%n", round, coordinator);
        if (when == Kill.PREPARED) {
            setMinInsyncReplicas("2");
        } else {
            try {
                if (commit == null) {
                    commitRetryingTimeouts(producer);
                } else {
                    try {
                        commit.get(150, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof KafkaException k) {
                            throw k;
                        }
                        throw new AssertionError("the commit failed", e);
                    }
                }
                committed.add(round);
                System.out.printf("[txn-failover] round %d: the commit succeeded %d ms after the kill%n", round,
                        millisSince(killedAt));
            } catch (KafkaException e) {
                // The application's answer to a failed commit: a new producer with the same id, whose
                // InitProducerId aborts (or completes) what the old one left.
                System.out.printf("[txn-failover] round %d: the commit failed after the kill (%s); new producer%n",
                        round, e);
                producer.close(Duration.ofSeconds(5));
                producer = producer();
                producer.initTransactions();
            }
        }

        // The producer recovers: a new transaction commits.
        producer.beginTransaction();
        sendAll(producer, "after" + round);
        commitRetryingTimeouts(producer);
        System.out.printf("[txn-failover] round %d: a transaction after the kill committed %d ms after the kill%n",
                round, millisSince(killedAt));
        try (Admin admin = cluster.admin()) {
            await().atMost(WAIT).ignoreExceptions()
                    .until(() -> describe(admin).state() == TransactionState.COMPLETE_COMMIT);
            assertNotEquals(coordinator, describe(admin).coordinatorId(), "another broker coordinates the id");
        }
        return coordinator;
    }

    /** Starts a killed broker again and waits until it has its CP seat back and every replica is in sync. */
    private void restart(int node) throws Exception {
        cluster.start(node);
        // The restarted broker must take the dead one's CP seat before another broker may die.
        cluster.awaitOutput(node, "joined the CP subsystem", WAIT);
        try (Admin admin = cluster.admin()) {
            await().atMost(WAIT).ignoreExceptions()
                    .until(() -> fullIsr(admin, TOPIC) && fullIsr(admin, "__transaction_state"));
        }
    }

    private void setMinInsyncReplicas(String value) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(
                    new AlterConfigOp(new ConfigEntry("min.insync.replicas", value), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private KafkaProducer<String, String> producer() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        return new KafkaProducer<>(p);
    }

    /** commitTransaction, called again after a timeout (kafka-clients allows that), for up to two minutes. */
    private static void commitRetryingTimeouts(KafkaProducer<String, String> producer) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                System.out.printf("[txn-failover] commitTransaction timed out (%s); calling it again%n", e.getMessage());
            }
        }
    }

    private static void sendAll(KafkaProducer<String, String> producer, String prefix) {
        for (int i = 0; i < PER_PARTITION; i++) {
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(TOPIC, p, "k", prefix + "-" + p + "-" + i));
            }
        }
    }

    private static List<String> values(String prefix, int partition) {
        return IntStream.range(0, PER_PARTITION).mapToObj(i -> prefix + "-" + partition + "-" + i).toList();
    }

    private static TransactionDescription describe(Admin admin) throws Exception {
        return admin.describeTransactions(List.of(TXN_ID)).description(TXN_ID).get(30, TimeUnit.SECONDS);
    }

    private static boolean fullIsr(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                .stream().allMatch(p -> p.isr().size() == 3 && p.leader() != null);
    }

    /**
     * Reads every partition under read_committed up to the end of the log: waits until the last stable offset
     * equals the high watermark (no transaction left open) and reads to there.
     */
    private Map<Integer, List<String>> readCommitted() {
        List<TopicPartition> tps = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
        Map<Integer, List<String>> out = new HashMap<>();
        try (KafkaConsumer<String, String> committed = consumer("read_committed");
             KafkaConsumer<String, String> uncommitted = consumer("read_uncommitted")) {
            Map<TopicPartition, Long> end = new HashMap<>();
            await("the last stable offset reaches the high watermark on every partition").atMost(WAIT)
                    .ignoreExceptions().until(() -> {
                        Map<TopicPartition, Long> lso = committed.endOffsets(tps, Duration.ofSeconds(5));
                        Map<TopicPartition, Long> hw = uncommitted.endOffsets(tps, Duration.ofSeconds(5));
                        end.putAll(lso);
                        return lso.equals(hw);
                    });
            committed.assign(tps);
            committed.seekToBeginning(tps);
            tps.forEach(tp -> out.put(tp.partition(), new ArrayList<>()));
            await().atMost(WAIT).until(() -> {
                committed.poll(Duration.ofMillis(200)).forEach(r -> out.get(r.partition()).add(r.value()));
                return tps.stream().allMatch(tp -> committed.position(tp) >= end.get(tp));
            });
        }
        return out;
    }

    private KafkaConsumer<String, String> consumer(String isolation) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.runningBootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(p);
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
