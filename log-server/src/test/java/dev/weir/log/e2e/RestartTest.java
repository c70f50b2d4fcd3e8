package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.RawKafkaClient;
import dev.weir.log.testing.ReadToEnd;
import dev.weir.log.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A clean stop and start over the same directory and port loses nothing and moves nothing. */
@Tag("fast")
class RestartTest {
    @TempDir
    Path dir;
    TestBroker broker;

    @BeforeEach
    void start() {
        broker = new TestBroker(dir);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void topicsConfigsAndRecordsAreBackAfterRestartAtTheSameOffsets() throws Exception {
        Map<String, Map<String, String>> overrides = Map.of(
                "orders", Map.of("retention.ms", "86400000"),
                "events", Map.of("retention.ms", "3600000", "max.message.bytes", "500000"),
                "tuned", Map.of("segment.bytes", "2097152", "retention.bytes", "10485760", "cleanup.policy", "delete"));
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1),
                    new NewTopic("events", 1, (short) 1).configs(Map.of("retention.ms", "3600000")),
                    new NewTopic("tuned", 2, (short) 1))).all().get();
            Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
            ops.put(topicResource("orders"), List.of(set("retention.ms", "86400000")));
            ops.put(topicResource("events"), List.of(set("max.message.bytes", "500000")));
            ops.put(topicResource("tuned"), List.of(set("segment.bytes", "2097152"), set("retention.bytes", "10485760"),
                    set("cleanup.policy", "delete")));
            admin.incrementalAlterConfigs(ops).all().get();
        }
        Map<String, TopicDescription> topicsBefore = describeTopics();
        Map<String, Map<String, String>> configsBefore = topicOverrides(overrides.keySet());
        assertEquals(overrides, configsBefore, "the overrides took effect");

        // Keyed records through producers with each compression codec, interleaved over the partitions.
        List<Sent> sent = new ArrayList<>();
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all",
                    "compression.type", codec, "linger.ms", 5, "batch.size", 4096))) {
                List<ProducerRecord<String, String>> records = new ArrayList<>();
                for (int i = 0; i < 150; i++) {
                    String topic = i % 3 == 0 ? "events" : i % 3 == 1 ? "orders" : "tuned";
                    String key = i % 17 == 0 ? null : codec + "-key-" + (i % 11);
                    String value = i % 23 == 0 ? null : codec + "-value-" + i + "-" + "x".repeat(i % 40);
                    ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, value);
                    r.headers().add(new RecordHeader("codec", codec.getBytes(StandardCharsets.UTF_8)));
                    records.add(r);
                }
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                records.forEach(r -> acks.add(producer.send(r)));
                for (int i = 0; i < records.size(); i++) {
                    sent.add(new Sent(records.get(i), acks.get(i).get()));
                }
            }
        }
        List<TopicPartition> partitions = topicsBefore.values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .toList();
        Map<TopicPartition, Long> endBefore = endOffsets(partitions);
        List<ConsumerRecord<String, String>> readBefore = readAll(partitions);
        assertEquals(sent.size(), readBefore.size());

        broker.restart();

        Map<String, TopicDescription> topicsAfter = describeTopics();
        assertEquals(topicsBefore.keySet(), topicsAfter.keySet(), "the same topics");
        for (TopicDescription before : topicsBefore.values()) {
            TopicDescription after = topicsAfter.get(before.name());
            assertEquals(before.partitions().size(), after.partitions().size(), before.name() + " partition count");
            assertEquals(before.topicId(), after.topicId(), before.name() + " keeps its topic id");
            assertFalse(Uuid.ZERO_UUID.equals(after.topicId()));
        }
        assertEquals(overrides, topicOverrides(overrides.keySet()), "topic configs after restart");
        assertEquals(endBefore, endOffsets(partitions), "end offsets after restart");

        List<ConsumerRecord<String, String>> readAfter = readAll(partitions);
        assertEquals(readBefore.size(), readAfter.size());
        Map<String, ConsumerRecord<String, String>> byPosition = new HashMap<>();
        readAfter.forEach(r -> byPosition.put(r.topic() + "-" + r.partition() + "@" + r.offset(), r));
        for (Sent s : sent) {
            String position = s.metadata.topic() + "-" + s.metadata.partition() + "@" + s.metadata.offset();
            ConsumerRecord<String, String> r = byPosition.get(position);
            assertNotNull(r, "record acknowledged at " + position);
            assertEquals(s.record.key(), r.key(), position);
            assertEquals(s.record.value(), r.value(), position);
            assertEquals(s.metadata.timestamp(), r.timestamp(), position);
            assertArrayEquals(s.record.headers().lastHeader("codec").value(), r.headers().lastHeader("codec").value());
        }
        // Offsets stay dense per partition.
        Map<TopicPartition, List<Long>> offsets = readAfter.stream().collect(Collectors.groupingBy(
                r -> new TopicPartition(r.topic(), r.partition()), HashMap::new,
                Collectors.mapping(ConsumerRecord::offset, Collectors.toList())));
        offsets.forEach((tp, list) -> {
            for (int i = 0; i < list.size(); i++) {
                assertEquals(i, list.get(i), tp + " offsets are dense");
            }
        });

        // And the restarted broker appends after them.
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all"))) {
            TopicPartition tp = new TopicPartition("orders", 1);
            RecordMetadata md = producer.send(new ProducerRecord<>("orders", 1, "after", "restart")).get();
            assertEquals(endBefore.get(tp), md.offset());
        }
    }

    @Test
    void idempotentProducerKeepsSendingAcrossRestartWithoutDuplicatesOrGaps() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("idem", 2, (short) 1))).all().get();
        }
        List<TopicPartition> tps = List.of(new TopicPartition("idem", 0), new TopicPartition("idem", 1));
        List<RecordMetadata> acked = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all", "enable.idempotence", true,
                "compression.type", "lz4", "linger.ms", 2))) {
            for (int i = 0; i < 200; i++) {
                acked.add(producer.send(new ProducerRecord<>("idem", i % 2, "k" + i, "before-" + i)).get());
            }

            broker.restart();

            // The same producer (same producer id and epoch, sequences continuing) sends on.
            for (int i = 0; i < 200; i++) {
                acked.add(producer.send(new ProducerRecord<>("idem", i % 2, "k" + i, "after-" + i)).get());
            }
        }
        // A new idempotent producer works too.
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all", "enable.idempotence", true))) {
            acked.add(producer.send(new ProducerRecord<>("idem", 0, "new", "new-producer")).get());
        }

        for (TopicPartition tp : tps) {
            List<Long> offsets = acked.stream().filter(m -> m.partition() == tp.partition()).map(RecordMetadata::offset)
                    .toList();
            for (int i = 0; i < offsets.size(); i++) {
                assertEquals(i, offsets.get(i), tp + ": acknowledged offsets are dense across the restart");
            }
        }
        List<ConsumerRecord<String, String>> read = readAll(tps);
        assertEquals(acked.size(), read.size(), "no duplicates, nothing lost");
        Set<String> values = new HashSet<>();
        for (ConsumerRecord<String, String> r : read) {
            assertTrue(values.add(r.value()), "duplicate " + r.value());
        }
        for (int i = 0; i < 200; i++) {
            assertTrue(values.contains("before-" + i) && values.contains("after-" + i), "record " + i);
        }
    }

    @Test
    void producerIdsAllocatedAfterRestartAreNew() throws Exception {
        Set<Long> before = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            before.add(initProducerId());
        }
        assertEquals(5, before.size(), "distinct ids before restart");
        long maxBefore = before.stream().mapToLong(Long::longValue).max().orElseThrow();

        broker.restart();
        long first = initProducerId();
        assertFalse(before.contains(first), "InitProducerId after restart does not reuse " + first);
        assertTrue(first > maxBefore, "ids keep increasing: " + first + " after " + before);

        broker.restart();
        long second = initProducerId();
        assertFalse(before.contains(second) || second == first, "a second restart does not reuse ids either");
        assertTrue(second > first);
    }

    @Test
    void retriedBatchIsStillRecognisedAsDuplicateAfterRestart() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("dedupe", 1, (short) 1))).all().get();
        }
        InitProducerIdResponseData producer = initProducer();
        long pid = producer.producerId();
        short epoch = producer.producerEpoch();
        MemoryRecords first = idempotentBatch(pid, epoch, 0, "a", 3);
        MemoryRecords second = idempotentBatch(pid, epoch, 3, "b", 3);
        try (RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap())) {
            assertEquals(0, ok(c.produce("dedupe", 0, first)).baseOffset());
            assertEquals(3, ok(c.produce("dedupe", 0, second)).baseOffset());
        }

        broker.restart();

        try (RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap())) {
            // The producer did not see the ack and retries: it gets the original offset, nothing is appended.
            assertEquals(3, ok(c.produce("dedupe", 0, idempotentBatch(pid, epoch, 3, "b", 3))).baseOffset());
            assertEquals(6, ok(c.produce("dedupe", 0, idempotentBatch(pid, epoch, 6, "c", 2))).baseOffset());
            var gap = c.produce("dedupe", 0, idempotentBatch(pid, epoch, 10, "d", 1));
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), gap.errorCode(), "sequence 8 was skipped");
        }
        TopicPartition tp = new TopicPartition("dedupe", 0);
        assertEquals(Map.of(tp, 8L), endOffsets(List.of(tp)));
        List<String> values = readAll(List.of(tp)).stream().map(ConsumerRecord::value).toList();
        assertEquals(List.of("a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1"), values);
    }

    private static ProduceResponseData.PartitionProduceResponse ok(ProduceResponseData.PartitionProduceResponse r) {
        assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
        return r;
    }

    private static MemoryRecords idempotentBatch(long pid, short epoch, int baseSequence, String prefix, int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(1_700_000_000_000L + i, null, (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, pid, epoch, baseSequence, records);
    }

    private long initProducerId() throws Exception {
        return initProducer().producerId();
    }

    private InitProducerIdResponseData initProducer() throws Exception {
        try (RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap())) {
            InitProducerIdResponseData response = c.request(ApiKeys.INIT_PRODUCER_ID, (short) 4,
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)
                            .setProducerId(-1).setProducerEpoch((short) -1));
            assertEquals(Errors.NONE.code(), response.errorCode());
            assertTrue(response.producerId() >= 0);
            return response;
        }
    }

    private record Sent(ProducerRecord<String, String> record, RecordMetadata metadata) {}

    private static ConfigResource topicResource(String topic) {
        return new ConfigResource(ConfigResource.Type.TOPIC, topic);
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private Map<String, TopicDescription> describeTopics() throws Exception {
        try (Admin admin = broker.admin()) {
            Set<String> names = admin.listTopics().names().get();
            return admin.describeTopics(names).allTopicNames().get();
        }
    }

    /** The topic-level overrides (DYNAMIC_TOPIC_CONFIG) of each topic. */
    private Map<String, Map<String, String>> topicOverrides(Set<String> topics) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<ConfigResource, Config> configs = admin.describeConfigs(
                    topics.stream().map(RestartTest::topicResource).toList()).all().get();
            Map<String, Map<String, String>> out = new HashMap<>();
            configs.forEach((resource, config) -> out.put(resource.name(), config.entries().stream()
                    .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                    .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value))));
            return out;
        }
    }

    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> tps) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            tps.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(specs).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    private List<ConsumerRecord<String, String>> readAll(List<TopicPartition> tps) {
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of("fetch.max.wait.ms", 100))) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            return ReadToEnd.readToEnd(consumer, tps);
        }
    }
}
