package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records through kafka-clients: compression codecs, large and too-large records, ListOffsets,
 * DeleteRecords, long-poll fetch, and segment roll plus size-based retention. One broker serves the
 * class (retention checks every 500 ms); each test uses its own topic.
 */
@Tag("fast")
class RecordsTest {
    @TempDir
    static Path dir;
    static TestBroker broker;
    Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = new TestBroker(dir, Map.of("log.retention.check.interval.ms", "500"));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void openAdmin() {
        admin = broker.admin();
    }

    @AfterEach
    void closeAdmin() {
        admin.close();
    }

    @ParameterizedTest(name = "compression.type={0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyCompressionCodecRoundTripsKeyedRecordsWithHeaders(String codec) throws Exception {
        String topic = "codec-" + codec;
        createTopic(topic, Map.of());
        int count = 300;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, 50,
                ProducerConfig.ACKS_CONFIG, "all"))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, 0, "key-" + i,
                        "value-" + i + " " + "compressible text ".repeat(10));
                r.headers().add(new RecordHeader("codec", codec.getBytes(StandardCharsets.UTF_8)));
                r.headers().add(new RecordHeader("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
                sent.add(producer.send(r));
            }
            for (int i = 0; i < count; i++) {
                assertEquals(i, sent.get(i).get().offset());
            }
        }

        List<ConsumerRecord<String, String>> read = readFrom(topic, 0, count);
        for (int i = 0; i < count; i++) {
            ConsumerRecord<String, String> r = read.get(i);
            assertEquals(i, r.offset());
            assertEquals("key-" + i, r.key());
            assertEquals("value-" + i + " " + "compressible text ".repeat(10), r.value());
            assertArrayEquals(codec.getBytes(StandardCharsets.UTF_8), r.headers().lastHeader("codec").value());
            assertArrayEquals(Integer.toString(i).getBytes(StandardCharsets.UTF_8), r.headers().lastHeader("index").value());
        }
        // The broker stores batches as the producer compressed them (compression.type=producer).
        List<FileChannelRecordBatch> batches = storedBatches(topic);
        assertFalse(batches.isEmpty());
        assertTrue(batches.stream().anyMatch(b -> b.countOrNull() != null && b.countOrNull() > 1),
                "linger.ms put several records in a batch");
        for (FileChannelRecordBatch b : batches) {
            assertEquals(CompressionType.forName(codec), b.compressionType(), "stored batch " + b);
        }
    }

    @Test
    void nineHundredKibRecordIsProducedAndConsumed() throws Exception {
        String topic = "large-record";
        createTopic(topic, Map.of());
        byte[] value = randomBytes(900 * 1024, 1);
        try (KafkaProducer<byte[], byte[]> producer = broker.byteProducer(Map.of(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576,
                ProducerConfig.BATCH_SIZE_CONFIG, 1_048_576))) {
            assertEquals(0, producer.send(new ProducerRecord<>(topic, 0, "big".getBytes(StandardCharsets.UTF_8), value))
                    .get().offset());
            assertEquals(1, producer.send(new ProducerRecord<>(topic, 0, "small".getBytes(StandardCharsets.UTF_8),
                    "after".getBytes(StandardCharsets.UTF_8))).get().offset());
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = broker.byteConsumer(Map.of(
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1_048_588,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 2 * 1_048_588))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            List<ConsumerRecord<byte[], byte[]>> read = pollUntil(consumer, 2);
            assertEquals(0, read.get(0).offset());
            assertArrayEquals("big".getBytes(StandardCharsets.UTF_8), read.get(0).key());
            assertArrayEquals(value, read.get(0).value());
            assertEquals(1, read.get(1).offset());
            assertArrayEquals("after".getBytes(StandardCharsets.UTF_8), read.get(1).value());
        }
    }

    @Test
    void recordOverTopicMaxMessageBytesFailsWithRecordTooLargeAndNothingIsStored() throws Exception {
        String topic = "small-max-message";
        createTopic(topic, Map.of("max.message.bytes", "102400"));
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = broker.byteProducer(Map.of(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576,
                ProducerConfig.BATCH_SIZE_CONFIG, 1_048_576))) {
            var e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(topic, 0, null, randomBytes(200 * 1024, 2))).get());
            assertInstanceOf(RecordTooLargeException.class, e.getCause());

            assertEquals(0, offsets(tp, OffsetSpec.latest()).offset(), "nothing was appended");
            assertEquals(0, producer.send(new ProducerRecord<>(topic, 0, null, new byte[1000])).get().offset(),
                    "the next record gets offset 0");
        }
        assertEquals(1, storedBatches(topic).size());
    }

    @Test
    void listOffsetsEarliestLatestByTimestampAndMaxTimestamp() throws Exception {
        String topic = "timestamps";
        createTopic(topic, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        // Two batches: offsets 0-2 with timestamps 1000, 3000, 2000 and offsets 3-5 with 4000, 6000, 5000.
        long[] timestamps = {1000, 3000, 2000, 4000, 6000, 5000};
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.LINGER_MS_CONFIG, 60_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000))) {
            for (int batch = 0; batch < 2; batch++) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = batch * 3; i < batch * 3 + 3; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, 0, timestamps[i], "k" + i, "v" + i)));
                }
                producer.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
            }
        }
        List<FileChannelRecordBatch> batches = storedBatches(topic);
        assertEquals(2, batches.size(), "linger.ms batched three records per flush");
        assertEquals(2, batches.get(0).lastOffset());

        assertEquals(0, offsets(tp, OffsetSpec.earliest()).offset());
        assertEquals(6, offsets(tp, OffsetSpec.latest()).offset());
        assertFound(0, 1000, offsets(tp, OffsetSpec.forTimestamp(500)));
        assertFound(0, 1000, offsets(tp, OffsetSpec.forTimestamp(1000)));
        assertFound(1, 3000, offsets(tp, OffsetSpec.forTimestamp(1500)), "first offset with timestamp >= target");
        assertFound(1, 3000, offsets(tp, OffsetSpec.forTimestamp(2500)));
        assertFound(3, 4000, offsets(tp, OffsetSpec.forTimestamp(3500)));
        assertFound(4, 6000, offsets(tp, OffsetSpec.forTimestamp(4500)), "inside the second batch");
        assertFound(4, 6000, offsets(tp, OffsetSpec.forTimestamp(6000)));
        ListOffsetsResultInfo none = offsets(tp, OffsetSpec.forTimestamp(6001));
        assertEquals(-1, none.offset());
        assertFound(4, 6000, offsets(tp, OffsetSpec.maxTimestamp()), "max timestamp is in the middle of a batch");

        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, 2500L));
            assertEquals(1, found.get(tp).offset());
            assertEquals(3000, found.get(tp).timestamp());
            OffsetAndTimestamp inSecondBatch = consumer.offsetsForTimes(Map.of(tp, 4500L)).get(tp);
            assertEquals(4, inSecondBatch.offset());
            assertEquals(6000, inSecondBatch.timestamp());
            assertNull(consumer.offsetsForTimes(Map.of(tp, 7000L)).get(tp), "no record at or after 7000");
            assertEquals(0L, consumer.beginningOffsets(List.of(tp)).get(tp));
            assertEquals(6L, consumer.endOffsets(List.of(tp)).get(tp));

            consumer.assign(List.of(tp));
            consumer.seek(tp, found.get(tp).offset());
            List<ConsumerRecord<String, String>> read = pollUntil(consumer, 5);
            assertEquals(3000, read.get(0).timestamp());
            assertEquals("v1", read.get(0).value());
        }
    }

    @Test
    void deleteRecordsMovesLogStartAndConsumersResetToIt() throws Exception {
        String topic = "delete-records";
        createTopic(topic, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)).get();
            }
        }
        long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp).get()
                .lowWatermark();
        assertEquals(4, low);
        assertEquals(4, offsets(tp, OffsetSpec.earliest()).offset());
        assertEquals(10, offsets(tp, OffsetSpec.latest()).offset());

        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            assertEquals(4L, consumer.beginningOffsets(List.of(tp)).get(tp));
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            List<ConsumerRecord<String, String>> read = pollUntil(consumer, 6);
            assertEquals(4, read.get(0).offset(), "reset to the new log start");
            assertEquals("v4", read.get(0).value());
            assertEquals(9, read.get(5).offset());
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 2);
            OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200));
                }
            });
            assertEquals(Map.of(tp, 2L), e.offsetOutOfRangePartitions());
        }
        // Deleting past the high watermark is refused; the start stays.
        var e = assertThrows(ExecutionException.class,
                () -> admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(11))).lowWatermarks().get(tp).get());
        assertInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, e.getCause());
        assertEquals(4, offsets(tp, OffsetSpec.earliest()).offset());
    }

    @Test
    void longPollFetchWaitsForMinBytesAndReturnsAsSoonAsTheyArrive() throws Exception {
        String topic = "long-poll";
        createTopic(topic, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        // max wait far beyond the poll timeout below: a poll that returns records was answered because
        // min.bytes were reached, not because the broker's wait expired.
        KafkaConsumer<byte[], byte[]> consumer = broker.byteConsumer(Map.of(
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 32 * 1024,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 25_000,
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 40_000));
        consumer.assign(List.of(tp));
        consumer.seek(tp, 0);
        CompletableFuture<ConsumerRecords<byte[], byte[]>> polled =
                CompletableFuture.supplyAsync(() -> consumer.poll(Duration.ofSeconds(20)));
        try (KafkaProducer<byte[], byte[]> producer = broker.byteProducer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, 0, null, "small".getBytes(StandardCharsets.UTF_8))).get();
            // A few bytes do not answer the parked fetch.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !polled.isDone());

            byte[] big = randomBytes(64 * 1024, 3);
            producer.send(new ProducerRecord<>(topic, 0, null, big)).get();
            ConsumerRecords<byte[], byte[]> records = await().atMost(Duration.ofSeconds(15))
                    .until(() -> polled.getNow(null), r -> r != null);
            List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>();
            records.forEach(list::add);
            assertEquals(2, list.size(), "one response with both records");
            assertArrayEquals("small".getBytes(StandardCharsets.UTF_8), list.get(0).value());
            assertArrayEquals(big, list.get(1).value());
        } finally {
            if (!polled.isDone()) {
                consumer.wakeup();
                polled.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
            }
            // The consumer has already sent its next fetch, parked for max.wait.ms: do not wait for it.
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    @Test
    void longPollFetchReturnsEmptyAfterMaxWaitWhenNoDataComes() throws Exception {
        String topic = "long-poll-empty";
        createTopic(topic, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        KafkaConsumer<byte[], byte[]> consumer = broker.byteConsumer(Map.of(
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1024 * 1024,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 2000));
        try {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            // Each fetch is held for max.wait.ms and then answered, empty: the consumer sees completed
            // fetches (not request timeouts) whose latency is at least the wait.
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                assertTrue(consumer.poll(Duration.ofMillis(100)).isEmpty());
                return fetchMetric(consumer, "fetch-total") >= 2;
            });
            assertTrue(fetchMetric(consumer, "fetch-latency-avg") >= 1900,
                    "fetches waited max.wait.ms: " + fetchMetric(consumer, "fetch-latency-avg"));
            assertEquals(0, fetchMetric(consumer, "records-consumed-total"));
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    @Test
    void segmentsRollAtSegmentBytesAndRetentionBytesDeletesOldOnesButNotTheActiveSegment() throws Exception {
        String topic = "roll-and-retain";
        createTopic(topic, Map.of("segment.bytes", "1048576"));
        TopicPartition tp = new TopicPartition(topic, 0);
        int count = 400;
        try (KafkaProducer<byte[], byte[]> producer = broker.byteProducer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, null, randomBytes(10 * 1024, i))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
        List<Path> segments = segmentFiles(topic);
        assertTrue(segments.size() >= 4, "about 4 MB in 1 MiB segments: " + segments);
        for (Path s : segments.subList(0, segments.size() - 1)) {
            assertTrue(Files.size(s) <= 1048576, s + " is within segment.bytes");
        }
        Path active = segments.get(segments.size() - 1);
        assertEquals(0, offsets(tp, OffsetSpec.earliest()).offset());

        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                new AlterConfigOp(new ConfigEntry("retention.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                .all().get();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Path> now = segmentFiles(topic);
            assertTrue(now.size() <= 2, "old segments deleted: " + now);
            assertTrue(offsets(tp, OffsetSpec.earliest()).offset() > 0, "log start advanced");
        });
        List<Path> left = segmentFiles(topic);
        assertTrue(left.contains(active), "the active segment stays: " + left);
        long start = offsets(tp, OffsetSpec.earliest()).offset();
        assertEquals(Long.parseLong(left.get(0).getFileName().toString().replace(".log", "")), start,
                "the log starts at the oldest remaining segment's base offset");
        assertEquals(count, offsets(tp, OffsetSpec.latest()).offset());

        try (KafkaConsumer<byte[], byte[]> consumer = broker.byteConsumer(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            List<ConsumerRecord<byte[], byte[]>> read = pollUntil(consumer, (int) (count - start));
            assertEquals(start, read.get(0).offset());
            assertArrayEquals(randomBytes(10 * 1024, count - 1), read.get(read.size() - 1).value());
        }
    }

    // --- helpers ---

    private void createTopic(String name, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get();
    }

    private ListOffsetsResultInfo offsets(TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get();
    }

    private static void assertFound(long offset, long timestamp, ListOffsetsResultInfo info) {
        assertFound(offset, timestamp, info, null);
    }

    private static void assertFound(long offset, long timestamp, ListOffsetsResultInfo info, String message) {
        assertEquals(offset, info.offset(), message);
        assertEquals(timestamp, info.timestamp(), message);
    }

    private static List<Path> segmentFiles(String topic) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(topic + "-0"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** The record batches on disk, across segments, in offset order. */
    private static List<FileChannelRecordBatch> storedBatches(String topic) throws IOException {
        List<FileChannelRecordBatch> out = new ArrayList<>();
        for (Path segment : segmentFiles(topic)) {
            try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                for (FileChannelRecordBatch b : records.batches()) {
                    b.ensureValid();
                    out.add(b);
                }
            }
        }
        return out;
    }

    private static double fetchMetric(KafkaConsumer<?, ?> consumer, String name) {
        for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
            if (e.getKey().group().equals("consumer-fetch-manager-metrics") && e.getKey().name().equals(name)
                    && e.getKey().tags().size() == 1) {
                Object v = e.getValue().metricValue();
                return v instanceof Double d && !d.isNaN() ? d : 0;
            }
        }
        throw new AssertionError("no consumer metric " + name);
    }

    private List<ConsumerRecord<String, String>> readFrom(String topic, long offset, int count) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            return pollUntil(consumer, count);
        }
    }

    static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer, int count) {
        return ProduceConsumeTest.pollUntil(consumer, count);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
