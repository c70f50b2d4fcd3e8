package dev.weir.log.eos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ClientJvm;
import dev.weir.log.testing.ReadToEnd;
import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Apache Kafka Streams (the real library, in a child JVM: see {@link WordCountStreamsApp}) runs a word
 * count against one in-process Weir broker. Streams creates its repartition and changelog topics through
 * Admin, joins a consumer group, commits offsets to {@code __consumer_offsets} and, with
 * {@code exactly_once_v2}, writes through a transactional producer. The final count of every word, read
 * with read_committed (last value per word), must equal the count computed here from the same text; with
 * {@code exactly_once_v2} also when Streams is killed with SIGKILL again and again while it counts.
 *
 * <p>kafka-streams 4.4.0 (the pinned kafka-clients' version) is not on Maven Central, so Streams is {@code 4.3.1} with its
 * own kafka-clients in the child JVM (see the parent pom's {@code kafka.streams.version}).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class KafkaStreamsWordCountTest {
    private static final int LINES = 3_000;
    private static final List<String> VOCABULARY = List.of(
            "the", "log", "is", "an", "append", "only", "sequence", "of", "records", "weir", "broker",
            "partition", "leader", "follower", "replica", "offset", "commit", "abort", "marker", "stream",
            "table", "count", "word", "exactly", "once", "at", "least", "transaction", "producer", "consumer",
            "group", "coordinator", "fetch", "segment", "index", "snapshot", "epoch", "fence", "zombie", "kafka");

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = new TestBroker(dir.resolve("broker"), Map.of(
                "offsets.topic.num.partitions", "3",
                "transaction.state.log.num.partitions", "3",
                "group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** A few thousand lines of words from {@link #VOCABULARY}, the same for every run (fixed seed). */
    static List<String> text(int count) {
        Random random = new Random(20_260_521L);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int words = 1 + random.nextInt(12);
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < words; w++) {
                String word = VOCABULARY.get((int) Math.min(VOCABULARY.size() - 1,
                        Math.abs(random.nextGaussian()) * VOCABULARY.size() / 2.5));
                // Mixed case and punctuation, which the application normalizes and drops.
                line.append(w == 0 ? "" : random.nextInt(8) == 0 ? ", " : " ")
                        .append(random.nextInt(6) == 0 ? word.toUpperCase(Locale.ROOT) : word);
            }
            lines.add(line.append(random.nextInt(4) == 0 ? "." : "").toString());
        }
        return lines;
    }

    static Map<String, Long> expectedCounts(List<String> lines) {
        return lines.stream()
                .flatMap(l -> List.of(l.toLowerCase(Locale.ROOT).split("\\W+")).stream())
                .filter(w -> !w.isEmpty())
                .collect(Collectors.groupingBy(w -> w, TreeMap::new, Collectors.counting()));
    }

    @ParameterizedTest(name = "processing.guarantee={0}")
    @ValueSource(strings = {"exactly_once_v2", "at_least_once"})
    void wordCountsAreExact(String guarantee) throws Exception {
        String suffix = guarantee.replace('_', '-');
        String applicationId = "wordcount-" + suffix;
        String input = "lines-" + suffix;
        String output = "word-counts-" + suffix;
        List<String> lines = text(LINES);
        Map<String, Long> expected = expectedCounts(lines);
        assertEquals(VOCABULARY.size(), expected.size(), "the text uses every word of the vocabulary");

        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic(output, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        // Half of the text before Streams starts, half while it runs.
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < lines.size() / 2; i++) {
                producer.send(new ProducerRecord<>(input, Integer.toString(i), lines.get(i)));
            }
            producer.flush();
        }

        try (ClientJvm app = new ClientJvm("wordcount-" + suffix,
                ClientJvm.classpathWithClients("kafka.streams.clients.jar"),
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), WordCountStreamsApp.class,
                List.of(broker.bootstrap(), applicationId, guarantee, dir.resolve("state-" + suffix).toString(),
                        input, output));
             KafkaConsumer<String, Long> reader = readCommitted()) {
            app.start();
            await("Kafka Streams reaches RUNNING; see " + app.outputFiles()).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !app.isAlive() || app.stdout().contains("STATE RUNNING"));
            assertTrue(app.isAlive(), "Kafka Streams is running; see " + app.outputFiles());

            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                for (int i = lines.size() / 2; i < lines.size(); i++) {
                    producer.send(new ProducerRecord<>(input, Integer.toString(i), lines.get(i)));
                }
                producer.flush();
            }

            awaitCounts(app, reader, output, expected);

            try (Admin admin = broker.admin()) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.contains(applicationId + "-words-repartition"), "repartition topic in " + topics);
                assertTrue(topics.contains(applicationId + "-counts-changelog"), "changelog topic in " + topics);
                List<String> transactionalIds = admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream()
                        .map(TransactionListing::transactionalId)
                        .filter(id -> id.startsWith(applicationId))
                        .toList();
                if (guarantee.equals("exactly_once_v2")) {
                    assertTrue(!transactionalIds.isEmpty(), "exactly_once_v2 wrote through a transactional producer");
                } else {
                    assertEquals(List.of(), transactionalIds, "at_least_once used no transactions");
                }
            }
            assertTrue(app.stop(30_000), "Kafka Streams stops on SIGTERM; see " + app.outputFiles());
        }
    }

    /**
     * Streams with exactly_once_v2, killed with SIGKILL at random moments while it counts and started again
     * (same state directory, static membership), ends with exact counts: each restart aborts the transaction
     * its predecessor left open, restores the count store from the changelog read with read_committed and
     * goes on from the committed input offsets.
     */
    @Test
    void exactlyOnceCountsStayExactWhenStreamsIsKilledAgainAndAgain() throws Exception {
        String applicationId = "wordcount-eos-killed";
        String input = "lines-eos-killed";
        String output = "word-counts-eos-killed";
        List<String> lines = text(8_000);
        Map<String, Long> expected = expectedCounts(lines);
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic(output, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Random random = new Random();
        int kills = 0;
        ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
        try (ClientJvm app = new ClientJvm(applicationId, ClientJvm.classpathWithClients("kafka.streams.clients.jar"),
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), WordCountStreamsApp.class,
                List.of(broker.bootstrap(), applicationId, "exactly_once_v2", dir.resolve("state-eos-killed").toString(),
                        input, output, applicationId + "-instance"));
             KafkaProducer<String, String> producer = broker.producer(Map.of());
             KafkaConsumer<String, Long> reader = readCommitted()) {
            // The text goes in at a steady pace (400 lines/s) across the kills, so Streams is always counting,
            // with a transaction open, when it is killed.
            AtomicInteger sent = new AtomicInteger();
            feeder.scheduleAtFixedRate(() -> {
                for (int n = 0; n < 20 && sent.get() < lines.size(); n++) {
                    int i = sent.getAndIncrement();
                    producer.send(new ProducerRecord<>(input, Integer.toString(i), lines.get(i)));
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            // At least four kills, and more while the text is still going in.
            while (kills < 4 || sent.get() < lines.size()) {
                assertTrue(System.nanoTime() < deadline, "four kills and the whole text within 90 s (" + kills
                        + " kills, " + sent.get() + " lines)");
                app.start();
                await("Kafka Streams reaches RUNNING; see " + app.outputFiles()).atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> !app.isAlive() || app.stdout().contains("STATE RUNNING"));
                assertTrue(app.isAlive(), "Kafka Streams is running; see " + app.outputFiles());
                // A random moment while it counts (the wait ends early only if it dies by itself).
                assertFalse(app.waitFor(500 + random.nextInt(2_000)), "Kafka Streams died by itself; see "
                        + app.outputFiles());
                app.kill();
                kills++;
            }
            feeder.shutdown();
            assertTrue(feeder.awaitTermination(30, TimeUnit.SECONDS));
            producer.flush();
            app.start();
            awaitCounts(app, reader, output, expected);
            assertTrue(app.stop(30_000), "Kafka Streams stops on SIGTERM; see " + app.outputFiles());
        } finally {
            feeder.shutdownNow();
        }
        // The kills hit open transactions: the output log holds aborted count updates that read_committed skipped.
        try (KafkaConsumer<String, Long> uncommitted = readUncommitted()) {
            List<TopicPartition> outputPartitions = List.of(new TopicPartition(output, 0), new TopicPartition(output, 1));
            uncommitted.assign(outputPartitions);
            uncommitted.seekToBeginning(outputPartitions);
            long all = ReadToEnd.readToEnd(uncommitted, outputPartitions).size();
            try (KafkaConsumer<String, Long> committed = readCommitted()) {
                committed.assign(outputPartitions);
                committed.seekToBeginning(outputPartitions);
                long visible = ReadToEnd.readToEnd(committed, outputPartitions).size();
                System.out.printf("word-count output after %d kills: %d records, %d of them committed%n", kills, all, visible);
                assertTrue(all > visible, "aborted output records in the log (" + all + " in all, " + visible + " committed)");
                // Without a record cache every word of the text makes one count update: exactly once, none lost.
                assertEquals(expected.values().stream().mapToLong(Long::longValue).sum(), visible,
                        "committed count updates, one per word of the text");
            }
        }
    }

    /** Reads the output with read_committed until the last count of every word equals {@code expected}. */
    private static void awaitCounts(ClientJvm app, KafkaConsumer<String, Long> reader, String output,
            Map<String, Long> expected) {
        List<TopicPartition> outputPartitions = List.of(new TopicPartition(output, 0), new TopicPartition(output, 1));
        reader.assign(outputPartitions);
        reader.seekToBeginning(outputPartitions);
        Map<String, Long> latest = new TreeMap<>();
        await("the last committed count of every word equals the count of the text; see " + app.outputFiles())
                .atMost(Duration.ofSeconds(90))
                .pollInSameThread()
                .pollInterval(Duration.ofMillis(200))
                .failFast("Kafka Streams died or failed", () -> !app.isAlive() || app.stdout().contains("UNCAUGHT"))
                .untilAsserted(() -> {
                    for (ConsumerRecord<String, Long> r : reader.poll(Duration.ofMillis(500))) {
                        latest.put(r.key(), r.value());
                    }
                    assertEquals(expected, latest);
                });
    }

    private static KafkaConsumer<String, Long> readUncommitted() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p);
    }

    private static KafkaConsumer<String, Long> readCommitted() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p);
    }
}
