package dev.weir.streams.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.WeirStreams;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.test.StreamsTestDriver;
import dev.weir.streams.test.StreamsTestDriverTest;
import dev.weir.streams.test.TestInputTopic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Word count on a real in-process Weir broker with a 4-partition input topic: the output's final
 * counts equal the counts the test computes itself, and equal what {@link StreamsTestDriver} gives for
 * the same input.
 */
@Tag("cluster")
class WordCountClusterTest {
    @TempDir
    Path dir;

    private static void produceLines(Cluster cluster, List<String> lines) {
        try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
            for (int i = 0; i < lines.size(); i++) {
                p.send(new ProducerRecord<>("lines", Serdes.string().serialize("lines", "line-" + i),
                        Serdes.string().serialize("lines", lines.get(i))));
            }
        }
    }

    private static Map<String, Long> driverCounts(Topology t, List<String> lines) {
        try (StreamsTestDriver d = new StreamsTestDriver(t, Map.of(StreamsTestDriver.PARTITIONS, 4))) {
            TestInputTopic<String, String> in = d.inputTopic("lines", Serdes.string(), Serdes.string());
            for (int i = 0; i < lines.size(); i++) {
                in.pipeInput("line-" + i, lines.get(i), i);
            }
            return new TreeMap<>(d.outputTopic("counts", Serdes.string(), Serdes.longs()).readKeyValuesToMap());
        }
    }

    private Map<String, Object> config(String app, String bootstrap, int threads) {
        Map<String, Object> c = new HashMap<>();
        c.put(StreamsConfig.APPLICATION_ID, app);
        c.put(StreamsConfig.BOOTSTRAP_SERVERS, bootstrap);
        c.put(StreamsConfig.NUM_STREAM_THREADS, threads);
        c.put(StreamsConfig.COMMIT_INTERVAL_MS, 200);
        c.put(StreamsConfig.STATE_DIR, dir.resolve("state").toString());
        c.put("consumer.session.timeout.ms", 10_000);
        return c;
    }

    /** Reads the output topic and keeps the last value per key, until it equals {@code expected}. */
    private static void awaitCounts(KafkaConsumer<byte[], byte[]> reader, Map<String, Long> seen,
                                    Map<String, Long> expected) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : Cluster.pollOnce(reader, Duration.ofMillis(200))) {
                seen.put(Serdes.string().deserialize("counts", r.key()), Serdes.longs().deserialize("counts", r.value()));
            }
            return new TreeMap<>(seen).equals(expected);
        });
    }

    @Test
    void wordCountOnFourPartitionsMatchesIndependentCountsAndTheTestDriver() throws Exception {
        List<String> lines = StreamsTestDriverTest.lines(3000, 7);
        Map<String, Long> expected = StreamsTestDriverTest.expectedCounts(lines);
        Topology topology = StreamsTestDriverTest.wordCount();
        assertEquals(expected, driverCounts(topology, lines));

        try (Cluster cluster = new Cluster(dir.resolve("broker"))) {
            cluster.createTopic("lines", 4);
            cluster.createTopic("counts", 4);
            produceLines(cluster, lines);
            Map<String, Long> seen = new HashMap<>();
            try (WeirStreams app = new WeirStreams(topology, config("wc", cluster.bootstrap(), 2));
                 KafkaConsumer<byte[], byte[]> reader = cluster.reader("counts", "read_uncommitted")) {
                app.start();
                awaitCounts(reader, seen, expected);
                assertEquals(WeirStreams.State.RUNNING, app.state(), String.valueOf(app.error()));

                // Internal topics: sized from the 4-partition source; the changelog is compacted.
                try (Admin admin = cluster.admin()) {
                    Map<String, TopicDescription> d = admin.describeTopics(
                            List.of("wc-words-repartition", "wc-word-counts-changelog")).allTopicNames().get();
                    assertEquals(4, d.get("wc-words-repartition").partitions().size());
                    assertEquals(4, d.get("wc-word-counts-changelog").partitions().size());
                    ConfigResource cr = new ConfigResource(ConfigResource.Type.TOPIC, "wc-word-counts-changelog");
                    assertEquals("compact", admin.describeConfigs(List.of(cr)).all().get().get(cr)
                            .get("cleanup.policy").value());
                }
            }

            // A clean restart resumes from the committed offsets and the checkpointed stores: more input
            // is counted on top of the old counts, not from zero.
            List<String> more = StreamsTestDriverTest.lines(500, 8);
            try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
                for (int i = 0; i < more.size(); i++) {
                    p.send(new ProducerRecord<>("lines", Serdes.string().serialize("lines", "more-" + i),
                            Serdes.string().serialize("lines", more.get(i))));
                }
            }
            List<String> all = new java.util.ArrayList<>(lines);
            all.addAll(more);
            Map<String, Long> expectedAll = StreamsTestDriverTest.expectedCounts(all);
            try (WeirStreams app = new WeirStreams(topology, config("wc", cluster.bootstrap(), 1));
                 KafkaConsumer<byte[], byte[]> reader = cluster.reader("counts", "read_uncommitted")) {
                app.start();
                awaitCounts(reader, seen, expectedAll);
                assertEquals(0, app.restoredRecords(), "a clean restart replays nothing: the stores are checkpointed");
            }

            // Lost local state: the stores are rebuilt from their changelogs, and counting goes on exactly.
            deleteRecursively(dir.resolve("state"));
            List<String> last = StreamsTestDriverTest.lines(300, 9);
            try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
                for (int i = 0; i < last.size(); i++) {
                    p.send(new ProducerRecord<>("lines", Serdes.string().serialize("lines", "last-" + i),
                            Serdes.string().serialize("lines", last.get(i))));
                }
            }
            all.addAll(last);
            try (WeirStreams app = new WeirStreams(topology, config("wc", cluster.bootstrap(), 1));
                 KafkaConsumer<byte[], byte[]> reader = cluster.reader("counts", "read_uncommitted")) {
                app.start();
                awaitCounts(reader, seen, StreamsTestDriverTest.expectedCounts(all));
                assertTrue(app.restoredRecords() >= expectedAll.size(),
                        "restored " + app.restoredRecords() + " changelog records for " + expectedAll.size() + " keys");
            }
        }
    }

    private static void deleteRecursively(Path p) throws java.io.IOException {
        try (var walk = java.nio.file.Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
