package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.protocol.ApiVersionTable;
import dev.weir.log.testing.CommandRun;
import dev.weir.log.testing.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kcat (librdkafka) as a peer: metadata, produce with keys, headers and every codec, consume from
 * absolute and relative offsets, and interoperation with kafka-clients in both directions.
 */
@Tag("process")
class KcatTest {
    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final long TIMEOUT_SECONDS = 30;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Files.isExecutable(KCAT),
                "kcat is not installed at " + KCAT + " (apt-get install kcat; CI installs it): skipping kcat tests");
        broker = new TestBroker(dir.resolve("broker"));
        admin = broker.admin();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void metadataListsTheBrokerAndTopics() throws Exception {
        createTopic("kcat-meta-a", 3);
        createTopic("kcat-meta-b", 1);
        CommandRun.Result r = kcat(null, "-L");
        r.assertOk();
        String port = broker.bootstrap().substring(broker.bootstrap().lastIndexOf(':') + 1);
        assertTrue(r.stdout().contains(" 1 brokers:"), r.stdout());
        assertTrue(r.stdout().contains("broker 1 at 127.0.0.1:" + port), r.stdout());
        assertTrue(r.stdout().contains("topic \"kcat-meta-a\" with 3 partitions:"), r.stdout());
        assertTrue(r.stdout().contains("topic \"kcat-meta-b\" with 1 partitions:"), r.stdout());
        assertTrue(r.stdout().contains("partition 2, leader 1, replicas: 1, isrs: 1"), r.stdout());
    }

    @Test
    void keysAndHeadersProducedByKcatAreReadBackInOrder() throws Exception {
        String topic = "kcat-keys-headers";
        createTopic(topic, 1);
        String input = IntStream.range(0, 20).mapToObj(i -> "key" + i + ":value " + i).collect(Collectors.joining("\n")) + "\n";
        kcat(input, "-P", "-t", topic, "-p", "0", "-K:", "-H", "source=kcat", "-H", "trace=abc").assertOk();

        CommandRun.Result r = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%k %s %h %o\\n");
        r.assertOk();
        List<String> expected = IntStream.range(0, 20)
                .mapToObj(i -> "key" + i + " value " + i + " source=kcat,trace=abc " + i).toList();
        assertEquals(expected, r.lines());

        // kafka-clients sees the same records.
        List<ConsumerRecord<String, String>> read = readWithClients(topic, 20);
        for (int i = 0; i < 20; i++) {
            ConsumerRecord<String, String> rec = read.get(i);
            assertEquals(i, rec.offset());
            assertEquals("key" + i, rec.key());
            assertEquals("value " + i, rec.value());
            assertArrayEquals("kcat".getBytes(StandardCharsets.UTF_8), rec.headers().lastHeader("source").value());
            assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), rec.headers().lastHeader("trace").value());
        }
    }

    @ParameterizedTest(name = "kcat -z {0}")
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void kcatCompressesWithEveryCodecAndBothClientsReadIt(String codec) throws Exception {
        String topic = "kcat-codec-" + codec;
        createTopic(topic, 1);
        int count = 200;
        String input = IntStream.range(0, count)
                .mapToObj(i -> "k" + i + ":" + codec + " record " + i + " " + "aaaaaaaaaa".repeat(20))
                .collect(Collectors.joining("\n")) + "\n";
        kcat(input, "-P", "-t", topic, "-p", "0", "-K:", "-z", codec).assertOk();

        CommandRun.Result r = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%k=%s\\n");
        r.assertOk();
        List<String> lines = r.lines();
        assertEquals(count, lines.size());
        for (int i = 0; i < count; i++) {
            assertEquals("k" + i + "=" + codec + " record " + i + " " + "aaaaaaaaaa".repeat(20), lines.get(i));
        }
        List<ConsumerRecord<String, String>> read = readWithClients(topic, count);
        assertEquals("k" + (count - 1), read.get(count - 1).key());
        assertEquals(codec + " record " + (count - 1) + " " + "aaaaaaaaaa".repeat(20), read.get(count - 1).value());

        // librdkafka uses LZ4 only with brokers that list FindCoordinator v0 (its marker for Kafka >= 0.8.2),
        // and sends uncompressed otherwise. Weir lists it once it has a group coordinator.
        if (codec.equals("lz4")) {
            Assumptions.assumeTrue(new ApiVersionTable().isSupported(ApiKeys.FIND_COORDINATOR, (short) 0),
                    "kcat -z lz4 sends uncompressed batches: this broker does not advertise FindCoordinator v0, "
                            + "which librdkafka requires before it uses LZ4");
        }
        List<FileChannelRecordBatch> batches = storedBatches(topic);
        assertFalse(batches.isEmpty());
        assertTrue(batches.stream().allMatch(b -> b.compressionType() == CompressionType.forName(codec)),
                "kcat's batches are stored " + codec + "-compressed: "
                        + batches.stream().map(b -> b.compressionType().name).toList());
    }

    @Test
    void consumesFromRelativeOffsetAndFromBeginning() throws Exception {
        String topic = "kcat-offsets";
        createTopic(topic, 1);
        kcat("m0\nm1\nm2\nm3\nm4\n", "-P", "-t", topic, "-p", "0").assertOk();

        CommandRun.Result lastTwo = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "-2", "-e", "-f", "%o %s\\n");
        lastTwo.assertOk();
        assertEquals(List.of("3 m3", "4 m4"), lastTwo.lines());

        CommandRun.Result all = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o %s\\n");
        all.assertOk();
        assertEquals(List.of("0 m0", "1 m1", "2 m2", "3 m3", "4 m4"), all.lines());

        CommandRun.Result fromThree = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "3", "-e", "-f", "%o %s\\n");
        fromThree.assertOk();
        assertEquals(List.of("3 m3", "4 m4"), fromThree.lines());
    }

    @Test
    void recordsProducedByKafkaClientsAreReadByKcat() throws Exception {
        String topic = "kcat-from-clients";
        createTopic(topic, 1);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < 50; i++) {
                ProducerRecord<String, String> rec = new ProducerRecord<>(topic, 0, "ck" + i, "clients " + i);
                rec.headers().add(new RecordHeader("from", "java".getBytes(StandardCharsets.UTF_8)));
                producer.send(rec);
            }
            producer.flush();
        }
        CommandRun.Result r = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%k %s %h %o\\n");
        r.assertOk();
        List<String> expected = IntStream.range(0, 50).mapToObj(i -> "ck" + i + " clients " + i + " from=java " + i).toList();
        assertEquals(expected, r.lines());
    }

    @Test
    void balancedConsumerJoinsAGroupConsumesAndCommits() throws Exception {
        String topic = "kcat-group";
        createTopic(topic, 2);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, "k" + i, "g" + i));
            }
            producer.flush();
        }
        // -G: librdkafka's balanced consumer (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetCommit,
        // LeaveGroup); it commits what it consumed when it exits after -c records.
        CommandRun.Result r = kcat(null, "-G", "kcat-consumers", "-X", "auto.offset.reset=earliest",
                "-X", "session.timeout.ms=6000", "-c", "20", "-f", "%s\\n", topic);
        r.assertOk();
        assertEquals(IntStream.range(0, 20).mapToObj(i -> "g" + i).collect(Collectors.toSet()),
                r.lines().stream().collect(Collectors.toSet()));
        Map<TopicPartition, Long> committed = admin.listConsumerGroupOffsets("kcat-consumers")
                .partitionsToOffsetAndMetadata().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        assertEquals(Map.of(new TopicPartition(topic, 0), 10L, new TopicPartition(topic, 1), 10L), committed);
    }

    // --- helpers ---

    private static void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }

    private static List<ConsumerRecord<String, String>> readWithClients(String topic, int count) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            return ProduceConsumeTest.pollUntil(consumer, count);
        }
    }

    private static List<FileChannelRecordBatch> storedBatches(String topic) throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir.resolve("broker").resolve(topic + "-0"))) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        List<FileChannelRecordBatch> out = new ArrayList<>();
        for (Path segment : segments) {
            try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                for (FileChannelRecordBatch b : records.batches()) {
                    b.ensureValid();
                    out.add(b);
                }
            }
        }
        return out;
    }

    /** Runs kcat against the broker with a 10 s metadata timeout; stdin is {@code input} (or empty). */
    private static CommandRun.Result kcat(String input, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(KCAT.toString(), "-b", broker.bootstrap(), "-m", "10"));
        command.addAll(List.of(args));
        return CommandRun.run(dir, command, input, TIMEOUT_SECONDS);
    }
}
