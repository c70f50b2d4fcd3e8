package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ReadToEnd;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
import org.apache.kafka.common.header.Header;
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
 * A broker in a child JVM whose cleaner compacts a topic non-stop (backoff 10 ms, any dirt cleanable) while an
 * acks=all idempotent producer overwrites keys, killed with SIGKILL twice, at random moments after several
 * cleanings (so in the middle of one most of the time): after restarting over the same directory, every key shows
 * its last acknowledged version or a later one, each key's versions rise with its offsets (nothing resurrected or
 * duplicated), and no cleaner leftovers remain.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class CompactionCrashTest {
    private static final String TOPIC = "compacted-crash";
    private static final int KEYS = 200;
    private static final Path OUTPUT = Path.of("target", "compaction-crash");
    private static final Pattern CLEANED = Pattern.compile("cleaned \\d+ -> \\d+ bytes");

    @TempDir
    Path dir;
    int port;
    String testName;
    final List<Process> processes = new ArrayList<>();
    final List<Path> outputs = new ArrayList<>();

    @BeforeEach
    void pickPort(TestInfo info) throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        testName = info.getTestMethod().orElseThrow().getName();
        Files.createDirectories(OUTPUT);
    }

    @AfterEach
    void killBrokers() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void kill9DuringCleaningLosesNothing() throws Exception {
        Map<String, Integer> versions = new HashMap<>();
        Map<String, Integer> lastAcked = new ConcurrentHashMap<>();
        AtomicLong ackCount = new AtomicLong();
        Process broker = startBroker();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact",
                    "segment.bytes", "1048576",
                    "min.cleanable.dirty.ratio", "0.01")))).all().get();
        }
        int midCleaningKills = 0;
        for (int cycle = 0; cycle < 3; cycle++) {
            if (cycle > 0) {
                broker = startBroker();
            }
            Path out = outputs.get(outputs.size() - 1);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            KafkaProducer<String, String> producer = producer();
            Thread sender = new Thread(() -> send(producer, versions, lastAcked, ackCount, running, failure), "sender-" + cycle);
            sender.start();
            try {
                int target = 4 + cycle;
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10))
                        .until(() -> cleanings(out) >= target || failure.get() != null);
                assertEquals(null, failure.get(), "no send failed before the kill");
                awaitCleanerOutput(Duration.ofSeconds(60));
                Thread.sleep((long) (Math.random() * 20)); // anywhere from the cleaned file's creation to the swap
                broker.destroyForcibly();
                assertTrue(broker.waitFor(10, TimeUnit.SECONDS));
                assertEquals(137, broker.exitValue(), "killed by SIGKILL");
            } finally {
                running.set(false);
                sender.join(10_000);
                producer.close(Duration.ZERO);
            }
        }

        startBroker();
        for (Path out : outputs.subList(1, outputs.size())) {
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (text.contains("discarding unfinished cleaner output") || text.contains("finished swapping")) {
                midCleaningKills++;
            }
        }
        assertTrue(midCleaningKills >= 1, "at least one kill hit the cleaner between writing and swapping in");
        List<ConsumerRecord<String, String>> log = readEverything();
        Map<String, Integer> seen = new HashMap<>();
        long previousOffset = -1;
        for (ConsumerRecord<String, String> r : log) {
            assertTrue(r.offset() > previousOffset);
            previousOffset = r.offset();
            int version = version(r);
            Integer before = seen.put(r.key(), version);
            assertTrue(before == null || before < version, r.key() + " goes from version " + before + " to "
                    + version + " at offset " + r.offset() + ": a duplicate or a resurrected value");
            if (r.value() != null) {
                assertEquals(r.key() + ":" + version, r.value().substring(0, r.value().indexOf('|')));
            }
        }
        assertTrue(lastAcked.size() == KEYS);
        for (Map.Entry<String, Integer> e : lastAcked.entrySet()) {
            Integer v = seen.get(e.getKey());
            assertTrue(v != null && v >= e.getValue(), e.getKey() + ": acknowledged version " + e.getValue()
                    + " lost, the log has " + v);
        }
        try (Stream<Path> files = Files.list(dir.resolve(TOPIC + "-0"))) {
            List<String> leftovers = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".swap-end")).toList();
            assertEquals(List.of(), leftovers);
        }
        assertTrue(log.size() < ackCount.get() / 3, "the log is compacted: " + log.size() + " records of "
                + ackCount.get() + " acknowledged");
    }

    private static int version(ConsumerRecord<String, String> r) {
        Header h = r.headers().lastHeader("v");
        assertNotNull(h);
        return Integer.parseInt(new String(h.value(), StandardCharsets.UTF_8));
    }

    /** Overwrites the keys round-robin; every 13th record is a tombstone. */
    private static void send(KafkaProducer<String, String> producer, Map<String, Integer> versions,
                             Map<String, Integer> lastAcked, AtomicLong ackCount, AtomicBoolean running,
                             AtomicReference<Throwable> failure) {
        Semaphore inFlight = new Semaphore(1_000);
        String padding = "x".repeat(1000);
        long i = 0;
        try {
            while (running.get()) {
                if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                String key = "key-" + (i % KEYS);
                int version = versions.merge(key, 1, Integer::sum);
                boolean tombstone = i % 13 == 0;
                ProducerRecord<String, String> record = new ProducerRecord<>(TOPIC, 0, key,
                        tombstone ? null : key + ":" + version + "|" + padding);
                record.headers().add("v", String.valueOf(version).getBytes(StandardCharsets.UTF_8));
                producer.send(record, (md, e) -> {
                    inFlight.release();
                    if (e == null) {
                        lastAcked.merge(key, version, Math::max);
                        ackCount.incrementAndGet();
                    } else if (running.get()) {
                        failure.compareAndSet(null, e);
                    }
                });
                i++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running.get()) {
                failure.compareAndSet(null, e);
            }
        }
    }

    /** Waits (busily: a cleaning lasts milliseconds) until the partition holds cleaner output not yet swapped in. */
    private void awaitCleanerOutput(Duration timeout) throws IOException {
        Path partition = dir.resolve(TOPIC + "-0");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(partition)) {
                if (files.map(f -> f.getFileName().toString())
                        .anyMatch(n -> n.endsWith(".log.cleaned") || n.endsWith(".log.swap"))) {
                    return;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // A file vanished while listed: the cleaner is busy; look again.
            }
        }
        throw new AssertionError("the cleaner wrote nothing within " + timeout);
    }

    private static int cleanings(Path output) throws IOException {
        Matcher m = CLEANED.matcher(Files.readString(output, StandardCharsets.UTF_8));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private List<ConsumerRecord<String, String>> readEverything() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            return ReadToEnd.readToEnd(consumer, List.of(tp));
        }
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
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
        return "127.0.0.1:" + port;
    }

    /** Starts {@code weir server} in a child JVM over {@link #dir}; its stdout and stderr go to one file. */
    private Process startBroker() throws IOException {
        int n = processes.size() + 1;
        Path output = OUTPUT.resolve(testName + "-broker-" + n + ".out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.weir.log.server.Main",
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + dir,
                "--override", "num.network.threads=1",
                "--override", "num.io.threads=4",
                "--override", "log.cleaner.backoff.ms=10")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        processes.add(process);
        outputs.add(output);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> !process.isAlive() || Files.readString(output, StandardCharsets.UTF_8).contains("ready on"));
        assertTrue(process.isAlive(), "broker " + n + " exited; see " + output.toAbsolutePath());
        return process;
    }
}
