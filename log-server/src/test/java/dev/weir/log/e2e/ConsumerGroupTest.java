package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.PollingConsumer;
import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classic consumer groups with kafka-clients consumers polling on their own threads: partitions are
 * split among members, and a member that joins, leaves, is killed (stops heartbeating) or restarts as
 * a static member moves partitions exactly as Kafka's coordinator would.
 */
@Tag("fast")
class ConsumerGroupTest {
    private static final int PARTITIONS = 6;
    /** Short sessions so that a killed member is noticed quickly. */
    private static final int SESSION_TIMEOUT_MS = 3_000;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;
    final List<PollingConsumer> consumers = new ArrayList<>();
    String topic;
    String group;

    @BeforeAll
    static void start() {
        broker = new TestBroker(dir, Map.of(
                "group.initial.rebalance.delay.ms", "100",
                "group.min.session.timeout.ms", "1000"));
        admin = broker.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    @BeforeEach
    void topic(TestInfo info) throws Exception {
        String name = info.getTestMethod().orElseThrow().getName();
        topic = "groups-" + name;
        group = "group-" + name;
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
    }

    @AfterEach
    void closeConsumers() {
        consumers.forEach(c -> {
            try {
                c.close();
            } catch (AssertionError e) {
                // already stopped
            }
        });
    }

    @Test
    void twoThenThreeConsumersSplitThePartitions() {
        PollingConsumer a = consumer(Map.of());
        PollingConsumer b = consumer(Map.of());
        awaitBalanced(List.of(a, b));
        assertEquals(3, a.assignment().size());

        PollingConsumer c = consumer(Map.of());
        awaitBalanced(List.of(a, b, c));
        assertEquals(2, c.assignment().size());
    }

    @Test
    void aConsumerThatLeavesHandsItsPartitionsToTheOthers() {
        PollingConsumer a = consumer(Map.of());
        PollingConsumer b = consumer(Map.of());
        PollingConsumer c = consumer(Map.of());
        awaitBalanced(List.of(a, b, c));

        c.close();
        consumers.remove(c);
        awaitBalanced(List.of(a, b));
    }

    @Test
    void aKilledConsumerExpiresAfterItsSessionTimeoutAndItsPartitionsMove() {
        PollingConsumer a = consumer(Map.of());
        PollingConsumer b = consumer(Map.of());
        awaitBalanced(List.of(a, b));
        Set<TopicPartition> fromB = b.assignment();

        long killedAt = System.nanoTime();
        b.closeWithoutLeaving();
        consumers.remove(b);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.assignment().size() == PARTITIONS);
        long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertTrue(a.assignment().containsAll(fromB));
        assertTrue(tookMs >= SESSION_TIMEOUT_MS - 500, "the member was removed by session expiry, after " + tookMs + " ms");
    }

    @Test
    void aStaticMemberRestartedWithinItsSessionTimeoutCausesNoRebalance() throws Exception {
        Map<String, Object> staticA = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 20_000);
        PollingConsumer a = consumer(staticA);
        PollingConsumer b = consumer(Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-b",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 20_000));
        awaitBalanced(List.of(a, b));
        Set<TopicPartition> aPartitions = a.assignment();
        int bAssignments = b.assignedCallbacks();
        int generation = b.call(c -> c.groupMetadata().generationId());

        a.close(); // a static member does not leave the group on close
        consumers.remove(a);
        PollingConsumer restarted = consumer(staticA);
        await().atMost(Duration.ofSeconds(30)).until(() -> restarted.assignment().equals(aPartitions));

        ConsumerGroupDescription after = describe();
        assertEquals(generation, (int) restarted.call(c -> c.groupMetadata().generationId()), "no new generation");
        assertEquals(generation, (int) b.call(c -> c.groupMetadata().generationId()));
        assertEquals(GroupState.STABLE, after.groupState());
        assertEquals(bAssignments, b.assignedCallbacks(), "the other member saw no rebalance");
        assertEquals(Set.of("instance-a", "instance-b"), after.members().stream()
                .map(m -> m.groupInstanceId().orElseThrow()).collect(Collectors.toSet()));
    }

    @Test
    void theCooperativeStickyAssignorRebalancesIncrementally() throws Exception {
        Map<String, Object> cooperative = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName());
        PollingConsumer a = consumer(cooperative);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.assignment().size() == PARTITIONS);
        PollingConsumer b = consumer(cooperative);
        awaitBalanced(List.of(a, b));
        assertEquals(3, b.assignment().size());
        // Cooperative: a gave up only the three partitions that moved, never all six.
        assertEquals(3, a.revokedPartitions());
        assertEquals("cooperative-sticky", describe().partitionAssignor());
    }

    @Test
    void everyMemberReadsOnlyItsPartitionsAndTogetherTheyReadEverything() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 120; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, "v" + i));
            }
            producer.flush();
        }
        PollingConsumer a = consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        PollingConsumer b = consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        awaitBalanced(List.of(a, b));
        await().atMost(Duration.ofSeconds(30)).until(() -> a.records().size() + b.records().size() >= 120);
        Set<String> values = new HashSet<>();
        for (PollingConsumer c : List.of(a, b)) {
            c.records().forEach(r -> {
                assertTrue(c.assignment().contains(new TopicPartition(r.topic(), r.partition())));
                values.add(r.value());
            });
        }
        assertEquals(IntStream.range(0, 120).mapToObj(i -> "v" + i).collect(Collectors.toSet()), values);
    }

    @Test
    void theNewConsumerProtocolIsRefusedSoClientsUseTheClassicOne() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            Throwable error = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (error == null && System.nanoTime() < deadline) {
                try {
                    consumer.poll(Duration.ofMillis(100));
                } catch (RuntimeException e) {
                    error = e;
                }
            }
            assertInstanceOf(UnsupportedVersionException.class, error);
        }
        // The default is the classic protocol, which every other test here uses.
        assertEquals("classic", ConsumerConfig.DEFAULT_GROUP_PROTOCOL);
    }

    // --- helpers ---

    private PollingConsumer consumer(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        p.putAll(extra);
        PollingConsumer c = new PollingConsumer(broker.consumer(p), List.of(topic));
        consumers.add(c);
        return c;
    }

    /** Waits until the members together own every partition exactly once, as evenly as possible. */
    private void awaitBalanced(List<PollingConsumer> members) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (PollingConsumer c : members) {
                assertNull(c.failure(), () -> "consumer failed: " + c.failure());
            }
            List<TopicPartition> all = new ArrayList<>();
            members.forEach(c -> all.addAll(c.assignment()));
            assertEquals(PARTITIONS, all.size(), "every partition assigned once: " + all);
            assertEquals(PARTITIONS, new HashSet<>(all).size(), "no partition assigned twice: " + all);
            int fair = PARTITIONS / members.size();
            for (PollingConsumer c : members) {
                assertTrue(c.assignment().size() >= fair && c.assignment().size() <= fair + 1,
                        "balanced: " + members.stream().map(m -> m.assignment().size()).toList());
            }
            ConsumerGroupDescription d = describe();
            assertEquals(GroupState.STABLE, d.groupState());
            assertEquals(members.size(), d.members().size());
        });
    }

    private ConsumerGroupDescription describe() throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
    }
}
