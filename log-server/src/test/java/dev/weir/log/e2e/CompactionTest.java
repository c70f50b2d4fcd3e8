package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ReadToEnd;
import dev.weir.log.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compacted topics through kafka-clients against an in-process broker whose cleaner runs every 100 ms: many
 * overwrites and tombstones end as exactly the last value per key with expired tombstones gone, while a consumer
 * reading from the start over and over never sees a key's version go backwards nor miss an acknowledged one.
 * Every record carries its key's version in a "v" header, so tombstones have versions too.
 */
@Tag("fast")
class CompactionTest {
    private static final int KEYS = 300;
    private static final int SENDS = 14_000;
    private static final long DELETE_RETENTION_MS = 3_000;
    private static final long SEGMENT_MS = 4_000;

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = new TestBroker(dir, Map.of("log.cleaner.backoff.ms", "100"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static void createCompactedTopic(String name) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact",
                    "segment.bytes", "1048576",
                    "segment.ms", String.valueOf(SEGMENT_MS),
                    "min.cleanable.dirty.ratio", "0.05",
                    "delete.retention.ms", String.valueOf(DELETE_RETENTION_MS))))).all().get();
        }
    }

    private static int version(ConsumerRecord<String, String> r) {
        Header h = r.headers().lastHeader("v");
        assertNotNull(h, "record at " + r.offset() + " has its version header");
        return Integer.parseInt(new String(h.value(), StandardCharsets.UTF_8));
    }

    private static KafkaConsumer<String, String> consumer() {
        return broker.consumer(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 256 * 1024));
    }

    @Test
    void overwritesAndTombstonesEndAsTheLastValuePerKeyWhileAReaderNeverGoesBackwards() throws Exception {
        String topic = "compacted";
        TopicPartition tp = new TopicPartition(topic, 0);
        createCompactedTopic(topic);
        // key -> acknowledged offset -> version (negative: tombstone of that version)
        Map<String, NavigableMap<Long, Integer>> acked = new ConcurrentHashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        AtomicInteger passes = new AtomicInteger();
        Thread reader = new Thread(() -> readRepeatedly(tp, acked, producing, passes, readerFailure), "compaction-reader");
        reader.start();

        Map<String, Integer> lastVersion = new HashMap<>();
        Map<String, Boolean> lastIsTombstone = new HashMap<>();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        String padding = "x".repeat(900);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 2))) {
            for (int i = 0; i < SENDS && readerFailure.get() == null; i++) {
                String key = "key-" + (i * 7919L % KEYS);
                int version = lastVersion.merge(key, 1, Integer::sum);
                boolean tombstone = i % 17 == 0;
                lastIsTombstone.put(key, tombstone);
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, 0, key,
                        tombstone ? null : key + ":" + version + ":" + padding);
                record.headers().add("v", String.valueOf(version).getBytes(StandardCharsets.UTF_8));
                producer.send(record, (md, e) -> {
                    if (e != null) {
                        sendFailure.compareAndSet(null, e);
                    } else {
                        acked.computeIfAbsent(key, k -> new ConcurrentSkipListMap<>())
                                .put(md.offset(), tombstone ? -version : version);
                    }
                });
            }
            producer.flush();
            assertEquals(null, sendFailure.get());
            // Roll the active segment so that every key's last record becomes cleanable.
            Thread.sleep(SEGMENT_MS + 100);
            ProducerRecord<String, String> filler = new ProducerRecord<>(topic, 0, "~filler", "roll");
            filler.headers().add("v", "1".getBytes(StandardCharsets.UTF_8));
            producer.send(filler).get();
        } finally {
            producing.set(false);
            reader.join(120_000);
        }
        if (readerFailure.get() != null) {
            throw new AssertionError("the concurrent reader failed after " + passes.get() + " passes",
                    readerFailure.get());
        }
        assertTrue(passes.get() >= 3, "the reader read the log " + passes.get() + " times while it was written");

        Map<String, Integer> expected = new HashMap<>();
        lastVersion.forEach((k, v) -> {
            if (!lastIsTombstone.get(k)) {
                expected.put(k, v);
            }
        });
        assertTrue(expected.size() < KEYS, "some keys end deleted");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<ConsumerRecord<String, String>> all = readAll(tp);
            Map<String, Integer> seen = new HashMap<>();
            for (ConsumerRecord<String, String> r : all) {
                assertNotNull(r.value(), "no tombstone older than delete.retention.ms remains: " + r.key() + " at "
                        + r.offset());
                if (!r.key().equals("~filler")) {
                    Integer before = seen.put(r.key(), version(r));
                    assertEquals(null, before, "one record per key: " + r.key());
                    assertEquals(r.key() + ":" + version(r) + ":" + padding, r.value());
                }
            }
            assertEquals(expected, seen);
        });
    }

    /** Reads the partition from the start over and over, checking every pass. */
    private static void readRepeatedly(TopicPartition tp, Map<String, NavigableMap<Long, Integer>> acked,
                                       AtomicBoolean producing, AtomicInteger passes, AtomicReference<Throwable> failure) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            while (producing.get()) {
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                Map<String, Integer> seen = new HashMap<>();
                for (ConsumerRecord<String, String> r : ReadToEnd.readToEnd(consumer, List.of(tp))) {
                    int version = version(r);
                    Integer previous = seen.put(r.key(), version);
                    if (previous != null && previous >= version) {
                        throw new AssertionError(r.key() + " went from version " + previous + " to " + version
                                + " at offset " + r.offset());
                    }
                }
                // Nothing acknowledged below where this pass ended was lost: each key shows its acknowledged value,
                // a later version, or was superseded by a record beyond the end of the pass (which compaction may
                // honour before the reader gets there). Acknowledgements may lag the log (a superseding record's
                // callback not run yet): wait for them before calling a record lost.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                        assertEquals(List.of(), missing(acked, seen, end),
                                "lost acknowledged records below offset " + end));
                passes.incrementAndGet();
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    private static List<String> missing(Map<String, NavigableMap<Long, Integer>> acked, Map<String, Integer> seen,
                                        long end) {
        List<String> missing = new java.util.ArrayList<>();
        for (Map.Entry<String, NavigableMap<Long, Integer>> e : acked.entrySet()) {
            Map.Entry<Long, Integer> last = e.getValue().floorEntry(end - 1);
            Integer seenVersion = seen.get(e.getKey());
            boolean superseded = e.getValue().ceilingKey(end) != null;
            if (last != null && last.getValue() > 0 && !superseded
                    && (seenVersion == null || seenVersion < last.getValue())) {
                missing.add(e.getKey() + " version " + last.getValue() + " at " + last.getKey() + " (saw " + seenVersion
                        + ")");
            }
        }
        return missing;
    }

    private static List<ConsumerRecord<String, String>> readAll(TopicPartition tp) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            return ReadToEnd.readToEnd(consumer, List.of(tp));
        }
    }

    @Test
    void aRecordWithoutKeyIsRefusedByACompactedTopic() throws Exception {
        createCompactedTopic("compacted-keys");
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("compacted-keys", 0, "k", "keyed")).get();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("compacted-keys", 0, null, "no key")).get());
            assertInstanceOf(InvalidRecordException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Compacted topic cannot accept message without key"),
                    e.getCause().getMessage());
            producer.send(new ProducerRecord<>("compacted-keys", 0, "k", "still works")).get();
        }
    }
}
