package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replica moves (KIP-455) and admin leader elections (KIP-460) on in-process clusters, driven by
 * kafka-clients' Admin while producers keep writing.
 */
@Tag("cluster")
class ReassignmentTest {
    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void replicasMoveOntoANewBrokerWithoutStoppingTraffic() throws Exception {
        cluster = TestCluster.start(dir, 4, 3, Map.of());
        createTopic(cluster, "moving", Map.of("min.insync.replicas", "2"));
        TopicPartition tp = new TopicPartition("moving", 0);
        PartitionImage before = cluster.partition("moving", 0);
        int leaving = before.leader();
        List<Integer> target = new ArrayList<>(before.replicas());
        target.set(target.indexOf(leaving), 4); // the leader's replica moves, so leadership must move too

        Traffic traffic = new Traffic(cluster, "moving");
        try (traffic) {
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.acked.size() >= 200);
            cluster.restart(4);
            try (Admin admin = cluster.admin()) {
                admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target))))
                        .all().get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        reassignments(admin).isEmpty() && cluster.partition("moving", 0).replicas().equals(target));
            }
            int ackedAtCompletion = traffic.acked.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.acked.size() >= ackedAtCompletion + 200);
        } // stops the producer and waits for every send to finish

        PartitionImage after = cluster.partition("moving", 0);
        assertEquals(target, after.replicas());
        assertEquals(Set.copyOf(target), Set.copyOf(after.isr()));
        assertNotEquals(leaving, after.leader());
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.broker(leaving).replicas().partition(tp).isEmpty());
        assertEquals(List.of(), traffic.failures, "no send failed");
        assertReadExactlyOnceAtDenseOffsets(tp, traffic.acked);
    }

    @Test
    void leadershipReturnsToThePreferredReplicaByItselfWithAutoRebalance() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        createTopic(cluster, "rebalanced", Map.of());
        PartitionImage before = cluster.partition("rebalanced", 0);
        int preferred = before.preferredLeader();
        assertEquals(preferred, before.leader());

        cluster.stop(preferred);
        await().atMost(Duration.ofSeconds(20)).until(() -> leaderOf(cluster, "rebalanced") >= 0
                && leaderOf(cluster, "rebalanced") != preferred);
        produce(cluster, "rebalanced", 50);
        cluster.restart(preferred);

        await().atMost(Duration.ofSeconds(30)).until(() -> leaderOf(cluster, "rebalanced") == preferred);
        PartitionImage after = cluster.partition("rebalanced", 0);
        assertTrue(after.isr().contains(preferred));
        assertTrue(after.leaderEpoch() >= before.leaderEpoch() + 2, "moved away and back: " + after);
        produce(cluster, "rebalanced", 10);
    }

    /** One cluster without automatic leader rebalancing, for explicit elections and bad input. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutAutoRebalance {
        private TestCluster shared;

        @BeforeAll
        void start(@TempDir Path sharedDir) throws Exception {
            shared = TestCluster.start(sharedDir, 3, Map.of("auto.leader.rebalance.enable", "false"));
            createTopic(shared, "elected", Map.of());
        }

        @AfterAll
        void close() {
            if (shared != null) {
                shared.close();
            }
        }

        @Test
        void preferredElectionMovesLeadershipBackOnlyWhenAsked() throws Exception {
            TopicPartition tp = new TopicPartition("elected", 0);
            int preferred = shared.partition("elected", 0).preferredLeader();
            assertEquals(preferred, leaderOf(shared, "elected"));

            shared.stop(preferred);
            await().atMost(Duration.ofSeconds(20)).until(() -> leaderOf(shared, "elected") >= 0
                    && leaderOf(shared, "elected") != preferred);
            produce(shared, "elected", 50);
            shared.restart(preferred);
            await().atMost(Duration.ofSeconds(30)).until(() -> shared.partition("elected", 0).isr().contains(preferred));
            // Back in sync, the preferred replica stays a follower through several controller reconcile rounds.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertNotEquals(
                    preferred, leaderOf(shared, "elected"), "without auto rebalance leadership stays moved"));

            try (Admin admin = shared.admin()) {
                Map<TopicPartition, Optional<Throwable>> first = admin.electLeaders(ElectionType.PREFERRED, Set.of(tp))
                        .partitions().get(30, TimeUnit.SECONDS);
                assertEquals(Optional.empty(), first.get(tp));
                assertEquals(preferred, leaderOf(shared, "elected"));

                Map<TopicPartition, Optional<Throwable>> second = admin.electLeaders(ElectionType.PREFERRED, Set.of(tp))
                        .partitions().get(30, TimeUnit.SECONDS);
                assertInstanceOf(ElectionNotNeededException.class, second.get(tp).orElseThrow());

                Map<TopicPartition, Optional<Throwable>> all = admin.electLeaders(ElectionType.PREFERRED, null)
                        .partitions().get(30, TimeUnit.SECONDS);
                assertTrue(all.values().stream().allMatch(Optional::isEmpty),
                        "asked for all partitions, Kafka lists only those it acted on: " + all);
            }
            produce(shared, "elected", 10);
        }

        @Test
        void badReassignmentsGetKafkasErrors() throws Exception {
            TopicPartition tp = new TopicPartition("elected", 0);
            List<Integer> replicas = shared.partition("elected", 0).replicas();
            try (Admin admin = shared.admin()) {
                List<Integer> toNowhere = List.of(replicas.get(0), replicas.get(1), 99);
                ExecutionException unknownBroker = assertThrows(ExecutionException.class, () -> admin
                        .alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(toNowhere))))
                        .all().get(30, TimeUnit.SECONDS));
                assertInstanceOf(InvalidReplicaAssignmentException.class, unknownBroker.getCause());
                assertTrue(unknownBroker.getCause().getMessage().contains("broker 99"), unknownBroker.getCause().getMessage());

                ExecutionException nothingToCancel = assertThrows(ExecutionException.class, () -> admin
                        .alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get(30, TimeUnit.SECONDS));
                assertInstanceOf(NoReassignmentInProgressException.class, nothingToCancel.getCause());

                TopicPartition missing = new TopicPartition("elected", 5);
                ExecutionException noPartition = assertThrows(ExecutionException.class, () -> admin
                        .alterPartitionReassignments(Map.of(missing, Optional.of(new NewPartitionReassignment(replicas))))
                        .all().get(30, TimeUnit.SECONDS));
                assertInstanceOf(UnknownTopicOrPartitionException.class, noPartition.getCause());

                assertTrue(reassignments(admin).isEmpty());
            }
            assertEquals(replicas, shared.partition("elected", 0).replicas(), "nothing moved");
        }
    }

    // ---- helpers ----

    /**
     * An acks=all producer sending numbered records ("v0", "v1", ...) from a background thread until closed,
     * at most 100 unacknowledged at a time; it remembers each record's acknowledged offset and every failure.
     */
    private static final class Traffic implements AutoCloseable {
        final Map<Integer, Long> acked = new ConcurrentHashMap<>();
        final List<Exception> failures = new CopyOnWriteArrayList<>();
        private final Semaphore inFlight = new Semaphore(100);
        private final Thread thread;
        private volatile boolean running = true;

        Traffic(TestCluster cluster, String topic) {
            KafkaProducer<String, String> producer = cluster.producer(Map.of());
            thread = new Thread(() -> {
                try (producer) {
                    for (int i = 0; running; i++) {
                        int n = i;
                        inFlight.acquire();
                        producer.send(new ProducerRecord<>(topic, "k" + n, "v" + n), (metadata, error) -> {
                            if (error != null) {
                                failures.add(error);
                            } else {
                                acked.put(n, metadata.offset());
                            }
                            inFlight.release();
                        });
                        if (n % 50 == 0) {
                            Thread.sleep(20);
                        }
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "traffic-" + topic);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(150_000);
        }
    }

    /** Every acknowledged record is in the log exactly once, at the offset it was acknowledged with, and nothing else is. */
    private void assertReadExactlyOnceAtDenseOffsets(TopicPartition tp, Map<Integer, Long> acked) {
        assertTrue(acked.size() > 0);
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
                return read.size() >= acked.size();
            });
            consumer.poll(Duration.ofMillis(500)).forEach(read::add); // anything beyond would be a duplicate
        }
        assertEquals(acked.size(), read.size(), "records in the log = records acknowledged");
        Map<String, Long> offsetOfValue = new HashMap<>();
        for (int i = 0; i < read.size(); i++) {
            ConsumerRecord<String, String> r = read.get(i);
            assertEquals(i, r.offset(), "dense offsets");
            assertEquals(null, offsetOfValue.put(r.value(), r.offset()), "read twice: " + r.value());
        }
        acked.forEach((n, offset) -> assertEquals(offset, offsetOfValue.get("v" + n), "record v" + n));
    }

    private static void createTopic(TestCluster cluster, String name, Map<String, String> configs) throws Exception {
        cluster.createTopic(name, 1, configs);
    }

    private static int leaderOf(TestCluster cluster, String topic) {
        return cluster.partition(topic, 0).leader();
    }

    private static Map<TopicPartition, PartitionReassignment> reassignments(Admin admin) throws Exception {
        return admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS);
    }

    private static void produce(TestCluster cluster, String topic, int count) throws Exception {
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(60, TimeUnit.SECONDS);
            }
        }
    }
}
