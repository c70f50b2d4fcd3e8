package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ChildCluster;
import dev.weir.log.testing.ReadToEnd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole cluster dies (SIGKILL to all three brokers, the controller first) and starts again: the CP
 * subsystem, which held the metadata only in memory, forms anew and is seeded from the images the brokers
 * persisted. Topics
 * (names, partition counts, ids), their configs, a group's committed offsets and the records all come
 * back.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class ColdRestartTest {
    private static final String EVENTS = "cold-events";
    private static final String COMPACTED = "cold-compacted";
    private static final String GROUP = "cold-group";
    private static final int RECORDS_PER_PARTITION = 200;

    @TempDir
    Path dir;

    private ChildCluster cluster;

    @AfterEach
    void killEverything() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void topicsConfigsCommittedOffsetsAndRecordsSurviveKill9OfTheWholeCluster() throws Exception {
        long testStart = System.nanoTime();
        cluster = new ChildCluster(dir, "cold", 3, Map.of());
        cluster.startAll();

        Map<String, Map<String, String>> configs = Map.of(
                EVENTS, Map.of("retention.ms", "7200000", "min.insync.replicas", "2", "segment.bytes", "1048576"),
                COMPACTED, Map.of("cleanup.policy", "compact", "delete.retention.ms", "3600000",
                        "min.compaction.lag.ms", "60000"));
        Map<String, Integer> partitions = Map.of(EVENTS, 3, COMPACTED, 2);
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(
                    new NewTopic(EVENTS, partitions.get(EVENTS), (short) 3).configs(configs.get(EVENTS)),
                    new NewTopic(COMPACTED, partitions.get(COMPACTED), (short) 3).configs(configs.get(COMPACTED))))
                    .all().get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, partitions);
        }

        Map<TopicPartition, List<String>> produced = produce(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        for (TopicPartition tp : produced.keySet()) {
            committed.put(tp, new OffsetAndMetadata(1 + tp.partition() * 7L + (tp.topic().equals(EVENTS) ? 100 : 50),
                    "before-the-cold-restart-" + tp));
        }
        commit(committed);

        Snapshot before;
        try (Admin admin = cluster.admin()) {
            before = snapshot(admin, partitions.keySet());
        }
        // Sanity of the snapshot itself, so that "equal after the restart" means something.
        assertEquals(partitions, before.partitionCounts(), "topics as created");
        for (String topic : partitions.keySet()) {
            for (Map.Entry<String, String> c : configs.get(topic).entrySet()) {
                assertEquals(c.getValue() + " (DYNAMIC_TOPIC_CONFIG)", before.configs().get(topic).get(c.getKey()),
                        topic + " " + c.getKey());
            }
        }
        assertEquals(committed, before.committed(), "committed offsets as committed");

        // A controller change first, so the persisted images carry a controller epoch (the fence of the old
        // CP subsystem's lock) higher than the first fences of the new CP subsystem: the new controller must
        // still be able to write.
        int controller = controller(cluster.admin());
        cluster.kill9(controller);
        List<Integer> survivors = new ArrayList<>(List.of(1, 2, 3));
        survivors.remove(Integer.valueOf(controller));
        try (Admin admin = cluster.admin()) {
            await("a new controller has written the loss of broker " + controller).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                        var described = admin.describeCluster();
                        Node c = described.controller().get(10, TimeUnit.SECONDS);
                        return c != null && c.id() != controller && survivors.contains(c.id())
                                && described.nodes().get(10, TimeUnit.SECONDS).stream().noneMatch(n -> n.id() == controller);
                    });
        }
        for (int node : survivors) {
            cluster.kill9(node);
        }
        long restartAt = System.nanoTime();
        cluster.startAll();
        long startedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartAt);

        Snapshot after;
        try (Admin admin = cluster.admin()) {
            awaitLeaders(admin, partitions);
            after = snapshot(admin, partitions.keySet());
        }
        assertEquals(before.topicNames(), after.topicNames(), "topic names");
        assertEquals(before.partitionCounts(), after.partitionCounts(), "partition counts");
        assertEquals(before.topicIds(), after.topicIds(), "topic ids");
        assertEquals(before.configs(), after.configs(), "topic configs (describeConfigs, every entry: value and source)");
        assertEquals(before.committed(), after.committed(), "committed offsets of " + GROUP);

        Map<TopicPartition, List<String>> read = readAll(produced.keySet());
        assertEquals(produced, read, "every record, in order, at its offset");

        // The recovered cluster takes new writes right after the recovered records.
        try (KafkaProducer<String, String> producer = producer()) {
            TopicPartition tp = new TopicPartition(EVENTS, 0);
            assertEquals(RECORDS_PER_PARTITION, producer.send(new ProducerRecord<>(EVENTS, 0, "k", "after"))
                    .get(60, TimeUnit.SECONDS).offset(), "next offset of " + tp);
        }
        System.out.printf("[cold] whole cluster killed and restarted: ready and registered in %d ms; test took %d ms%n",
                startedMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - testStart));
    }

    private static int controller(Admin admin) throws Exception {
        try (admin) {
            return admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
        }
    }

    /** What the cluster says about our topics and group. */
    record Snapshot(Set<String> topicNames, Map<String, Integer> partitionCounts, Map<String, String> topicIds,
                    Map<String, Map<String, String>> configs, Map<TopicPartition, OffsetAndMetadata> committed) {}

    private static Snapshot snapshot(Admin admin, Set<String> topics) throws Exception {
        Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                .filter(n -> !n.startsWith("__")).collect(Collectors.toSet());
        Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames()
                .get(10, TimeUnit.SECONDS);
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, String> ids = new TreeMap<>();
        descriptions.forEach((name, d) -> {
            counts.put(name, d.partitions().size());
            ids.put(name, d.topicId().toString());
        });
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> described = admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS);
        Map<String, Map<String, String>> configs = new TreeMap<>();
        described.forEach((resource, config) -> {
            Map<String, String> entries = new TreeMap<>();
            for (ConfigEntry e : config.entries()) {
                entries.put(e.name(), e.value() + " (" + e.source() + ")");
            }
            configs.put(resource.name(), entries);
        });
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        return new Snapshot(names, counts, ids, configs, new HashMap<>(committed));
    }

    private static void awaitLeaders(Admin admin, Map<String, Integer> partitions) {
        await("a leader for every partition").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> {
                    Map<String, TopicDescription> d = admin.describeTopics(partitions.keySet()).allTopicNames()
                            .get(10, TimeUnit.SECONDS);
                    return partitions.entrySet().stream().allMatch(e -> d.get(e.getKey()).partitions().size()
                            == e.getValue() && d.get(e.getKey()).partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                });
    }

    private Map<TopicPartition, List<String>> produce(Map<String, Integer> partitions) throws Exception {
        Map<TopicPartition, List<String>> produced = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer()) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (Map.Entry<String, Integer> topic : partitions.entrySet()) {
                for (int p = 0; p < topic.getValue(); p++) {
                    TopicPartition tp = new TopicPartition(topic.getKey(), p);
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                        String value = tp + "-" + i;
                        values.add(value);
                        // Distinct keys: compaction may run, but has nothing to remove.
                        acks.add(producer.send(new ProducerRecord<>(tp.topic(), p, "key-" + i, value)));
                    }
                    produced.put(tp, values);
                }
            }
            for (java.util.concurrent.Future<?> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        }
        return produced;
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Properties p = consumerProps();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(offsets.keySet());
            consumer.commitSync(offsets, Duration.ofSeconds(60));
        }
    }

    private Map<TopicPartition, List<String>> readAll(Set<TopicPartition> tps) {
        Map<TopicPartition, List<String>> out = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps())) {
            for (TopicPartition tp : tps) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<ConsumerRecord<String, String>> records = ReadToEnd.readToEnd(consumer, List.of(tp));
                List<String> values = new ArrayList<>();
                for (int i = 0; i < records.size(); i++) {
                    assertEquals(i, records.get(i).offset(), tp + ": dense offsets");
                    values.add(records.get(i).value());
                }
                assertFalse(values.isEmpty(), tp + " has records");
                out.put(tp, values);
            }
        }
        assertTrue(out.size() == tps.size());
        return out;
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        return p;
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        return new KafkaProducer<>(p);
    }
}
