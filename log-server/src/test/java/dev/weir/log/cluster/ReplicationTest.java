package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.replica.Partition;
import dev.weir.log.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process brokers replicating through the Kafka protocol, driven by stock kafka-clients. */
@Tag("cluster")
class ReplicationTest {
    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Map<Integer, TopicPartitionInfo> describeFrom(int node, String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(node));
        try (Admin admin = Admin.create(p)) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            Map<Integer, TopicPartitionInfo> out = new HashMap<>();
            d.partitions().forEach(i -> out.put(i.partition(), i));
            return out;
        }
    }

    @Test
    void leadersSpreadOverBrokersAndEveryBrokerAgrees() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        cluster.createTopic("spread", 6, Map.of());

        Map<Integer, Integer> leadersPerBroker = new HashMap<>();
        for (PartitionImage p : cluster.image().topic("spread").orElseThrow().partitions()) {
            assertEquals(3, Set.copyOf(p.replicas()).size(), "replicas on distinct brokers: " + p);
            leadersPerBroker.merge(p.leader(), 1, Integer::sum);
        }
        assertEquals(Map.of(1, 2, 2, 2, 3, 2), leadersPerBroker, "leaders balanced");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<Integer, TopicPartitionInfo> first = describeFrom(1, "spread");
            for (int node = 2; node <= 3; node++) {
                Map<Integer, TopicPartitionInfo> other = describeFrom(node, "spread");
                for (int p = 0; p < 6; p++) {
                    assertEquals(first.get(p).leader().id(), other.get(p).leader().id());
                    assertEquals(first.get(p).replicas(), other.get(p).replicas());
                    assertEquals(first.get(p).isr(), other.get(p).isr());
                }
            }
        });
    }

    @Test
    void acksAllProducerCarriesOnWhenTheLeaderIsKilled() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        cluster.createTopic("orders", 1, Map.of("min.insync.replicas", "2"));
        int leader = cluster.partition("orders", 0).leader();

        List<Long> offsets = new ArrayList<>();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < 500; i++) {
                offsets.add(producer.send(new ProducerRecord<>("orders", "k" + i, "v" + i)).get().offset());
            }
            cluster.kill(leader);
            for (int i = 500; i < 1000; i++) {
                offsets.add(producer.send(new ProducerRecord<>("orders", "k" + i, "v" + i)).get(60, TimeUnit.SECONDS).offset());
            }
        }
        PartitionImage after = cluster.partition("orders", 0);
        assertNotEquals(leader, after.leader(), "leadership moved");
        assertTrue(after.leaderEpoch() > 0);
        for (int i = 0; i < offsets.size(); i++) {
            assertEquals(i, offsets.get(i), "dense offsets in acknowledgement order");
        }
        List<String> values = readAll("orders", 1000);
        for (int i = 0; i < 1000; i++) {
            assertEquals("v" + i, values.get(i));
        }
    }

    @Test
    void isrShrinksWhenAFollowerDiesAndExpandsWhenItCatchesUp() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        cluster.createTopic("isr", 1, Map.of());
        PartitionImage before = cluster.partition("isr", 0);
        int follower = before.replicas().stream().filter(r -> r != before.leader()).findFirst().orElseThrow();

        cluster.kill(follower);
        await().atMost(Duration.ofSeconds(20)).until(() -> !cluster.partition("isr", 0).isr().contains(follower));
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < 200; i++) {
                producer.send(new ProducerRecord<>("isr", "k", "while-away-" + i));
            }
            producer.flush();
        }
        cluster.restart(follower);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.partition("isr", 0).isr().contains(follower));
        TopicPartition tp = new TopicPartition("isr", 0);
        Partition leaderPartition = cluster.broker(cluster.partition("isr", 0).leader()).replicas().partition(tp).orElseThrow();
        Partition followerPartition = cluster.broker(follower).replicas().partition(tp).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                followerPartition.log().logEndOffset() == leaderPartition.log().logEndOffset());
        assertEquals(200, leaderPartition.log().logEndOffset());
    }

    @Test
    void minInsyncReplicasIsEnforcedForAcksAll() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        cluster.createTopic("strict", 1, Map.of("min.insync.replicas", "3"));
        int follower = cluster.partition("strict", 0).replicas().stream()
                .filter(r -> r != cluster.partition("strict", 0).leader()).findFirst().orElseThrow();
        cluster.kill(follower);
        // The leader itself must know, or it appends with three in the ISR and then answers, as Kafka does,
        // NOT_ENOUGH_REPLICAS_AFTER_APPEND when the smaller ISR reaches it.
        Partition led = cluster.broker(cluster.partition("strict", 0).leader()).replicas()
                .partition(new TopicPartition("strict", 0)).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.partition("strict", 0).isr().size() == 2
                && led.isr().size() == 2);

        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(
                ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("strict", "k", "v")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(NotEnoughReplicasException.class, e.getCause(), e.toString());
        }
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            RecordMetadata m = producer.send(new ProducerRecord<>("strict", "k", "v")).get(30, TimeUnit.SECONDS);
            assertEquals(0, m.offset(), "acks=1 is not bound by min.insync.replicas");
        }
    }

    @Test
    void consumerNeverReadsAboveTheHighWatermark() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of("replica.lag.time.max.ms", "30000"));
        cluster.createTopic("hw", 1, Map.of());
        int leader = cluster.partition("hw", 0).leader();
        TopicPartition tp = new TopicPartition("hw", 0);
        Partition led = cluster.broker(leader).replicas().partition(tp).orElseThrow();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("hw", "k", "committed-" + i)).get();
            }
        }
        int follower = cluster.partition("hw", 0).replicas().stream().filter(r -> r != leader).findFirst().orElseThrow();
        // A stuck follower: it stops fetching but stays alive and a cluster member, so it stays in the ISR (and the
        // high watermark stays where it is) until the leader drops it after replica.lag.time.max.ms. A killed
        // follower would leave the ISR as soon as the cluster sees its member go, too soon for a loaded machine.
        cluster.broker(follower).replicas().close();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("hw", "k", "pending-" + i)).get();
            }
        }
        long stuckHighWatermark = led.highWatermark();
        assertTrue(stuckHighWatermark < led.log().logEndOffset(), "records above the high watermark exist");

        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            long until = System.currentTimeMillis() + 1500;
            while (System.currentTimeMillis() < until) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            boolean windowStillOpen = led.highWatermark() == stuckHighWatermark
                    && cluster.partition("hw", 0).isr().contains(follower);
            assertTrue(windowStillOpen, "the follower left the ISR too early for this check");
            assertTrue(seen.stream().allMatch(r -> r.offset() < stuckHighWatermark), "read above the high watermark: " + seen);
            assertEquals(stuckHighWatermark, seen.size());

            await().atMost(Duration.ofSeconds(90)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() == 20;
            });
        }
        assertEquals("pending-9", seen.get(19).value());
    }

    private List<String> readAll(String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.size() >= expected;
            });
        }
        assertEquals(expected, values.size());
        return values;
    }
}
