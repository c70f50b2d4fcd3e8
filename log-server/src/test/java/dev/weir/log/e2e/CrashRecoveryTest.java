package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ChildBroker;
import dev.weir.log.testing.ReadToEnd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker as a separate process, killed with SIGKILL while an acks=all idempotent producer is
 * sending: after a restart over the same directory every acknowledged record is at its acknowledged
 * offset, and the logs are dense, in send order and free of duplicates.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class CrashRecoveryTest {
    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 3;
    private static final int ACKS_PER_CYCLE = 4_000;

    @TempDir
    Path dir;
    ChildBroker broker;

    @BeforeEach
    void prepareBroker(TestInfo info) throws IOException {
        broker = new ChildBroker(dir, "crash-" + info.getTestMethod().orElseThrow().getName(), Map.of());
    }

    @AfterEach
    void killBroker() throws InterruptedException {
        broker.close();
    }

    @Test
    void everyAcknowledgedRecordSurvivesKill9AtItsOffset() throws Exception {
        // partition -> acknowledged offset -> value, over all crash cycles
        Map<Integer, NavigableMap<Long, String>> acked = new ConcurrentHashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            acked.put(p, new ConcurrentSkipListMap<>());
        }

        broker.start();
        try (Admin admin = admin()) {
            // Small segments, so that the kills find logs of several segments, one of them half-written.
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1)
                    .configs(Map.of("segment.bytes", "1048576")))).all().get();
        }
        for (int cycle = 0; cycle < 2; cycle++) {
            if (cycle > 0) {
                broker.start();
            }
            int before = total(acked);
            AtomicInteger ackedThisCycle = new AtomicInteger();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            AtomicBoolean running = new AtomicBoolean(true);
            KafkaProducer<String, String> producer = producer();
            int c = cycle;
            Thread sender = new Thread(() -> sendContinuously(producer, c, running, acked, ackedThisCycle, unexpected),
                    "crash-sender-" + cycle);
            sender.start();
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> ackedThisCycle.get() >= ACKS_PER_CYCLE || unexpected.get() != null);
                assertEquals(null, unexpected.get(), "no send failed before the kill");

                broker.kill();
            } finally {
                running.set(false);
                sender.join(10_000);
                // Aborts what was not acknowledged; nothing can be acknowledged any more.
                producer.close(Duration.ZERO);
            }
            assertTrue(total(acked) - before >= ACKS_PER_CYCLE);
        }

        long segments;
        try (var files = Files.list(dir.resolve(TOPIC + "-0"))) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
        assertTrue(segments >= 2, "the scenario covers a log of several segments, got " + segments);

        broker.start();
        Map<Integer, List<ConsumerRecord<String, String>>> logs = readEverything();
        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<String, String>> log = logs.get(p);
            NavigableMap<Long, String> ackedHere = acked.get(p);
            assertTrue(!ackedHere.isEmpty());
            assertTrue(log.size() > ackedHere.lastKey(), "partition " + p + ": the log reaches the last acked offset "
                    + ackedHere.lastKey() + " (has " + log.size() + " records)");
            for (int i = 0; i < log.size(); i++) {
                assertEquals(i, log.get(i).offset(), "partition " + p + ": offsets are dense");
            }
            for (Map.Entry<Long, String> a : ackedHere.entrySet()) {
                ConsumerRecord<String, String> r = log.get(Math.toIntExact(a.getKey()));
                assertEquals(a.getValue(), r.value(), "partition " + p + " offset " + a.getKey());
            }
            Set<String> seen = new HashSet<>();
            long previous = -1;
            for (ConsumerRecord<String, String> r : log) {
                assertNotNull(r.value());
                assertTrue(seen.add(r.value()), "partition " + p + ": duplicate " + r.value() + " at " + r.offset());
                long order = sendOrder(r.value());
                assertTrue(order > previous, "partition " + p + ": " + r.value() + " at " + r.offset()
                        + " is out of send order");
                previous = order;
            }
        }

        // The recovered broker takes new writes right after the recovered records.
        try (KafkaProducer<String, String> producer = producer()) {
            long end = logs.get(0).size();
            assertEquals(end, producer.send(new ProducerRecord<>(TOPIC, 0, "after", "after-crash")).get().offset());
        }
    }

    /** Sends "v-cycle-seq" round-robin over the partitions, recording each acknowledged offset. */
    private static void sendContinuously(KafkaProducer<String, String> producer, int cycle, AtomicBoolean running,
                                         Map<Integer, NavigableMap<Long, String>> acked, AtomicInteger ackedCount,
                                         AtomicReference<Throwable> unexpected) {
        Semaphore inFlight = new Semaphore(2_000);
        long seq = 0;
        try {
            while (running.get()) {
                if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                // 300 to 1300 bytes, so batches vary in size and segments roll.
                String value = "v-" + cycle + "-" + seq + ":" + "x".repeat(300 + (int) (seq * 7919 % 1000));
                int partition = (int) (seq % PARTITIONS);
                producer.send(new ProducerRecord<>(TOPIC, partition, "k" + seq, value), (md, error) -> {
                    inFlight.release();
                    if (error == null) {
                        String previous = acked.get(md.partition()).put(md.offset(), value);
                        if (previous != null) {
                            unexpected.compareAndSet(null, new AssertionError("offset " + md.offset()
                                    + " acknowledged for " + previous + " and " + value));
                        }
                        ackedCount.incrementAndGet();
                    } else if (running.get()) {
                        unexpected.compareAndSet(null, error);
                    }
                });
                seq++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running.get()) {
                unexpected.compareAndSet(null, e);
            }
        }
    }

    /** cycle * 1e9 + seq of a "v-cycle-seq:padding" value. */
    private static long sendOrder(String value) {
        String[] parts = value.substring(0, value.indexOf(':')).split("-");
        return Long.parseLong(parts[1]) * 1_000_000_000L + Long.parseLong(parts[2]);
    }

    private static int total(Map<Integer, NavigableMap<Long, String>> acked) {
        return acked.values().stream().mapToInt(Map::size).sum();
    }

    private Map<Integer, List<ConsumerRecord<String, String>>> readEverything() {
        Map<Integer, List<ConsumerRecord<String, String>>> out = new HashMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                TopicPartition tp = new TopicPartition(TOPIC, partition);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                out.put(partition, ReadToEnd.readToEnd(consumer, List.of(tp)));
            }
        }
        return out;
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 8 * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        return new KafkaProducer<>(p);
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    private String bootstrap() {
        return broker.bootstrap();
    }

}
