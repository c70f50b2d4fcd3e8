package dev.weir.streams.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.WeirStreams;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.test.StreamsTestDriverTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Word count while the application scales from one instance to two and back to one, so tasks move
 * between instances and their stores are rebuilt from the changelogs. Under both guarantees the final
 * counts are exact; under exactly_once_v2 a read_committed reader also sees exactly one update per
 * word occurrence, each key's values being 1, 2, ..., n in order.
 */
@Tag("cluster")
class ScaleAndExactlyOnceClusterTest {
    @TempDir
    Path dir;

    private Map<String, Object> config(String guarantee, String instance) {
        Map<String, Object> c = new HashMap<>();
        c.put(StreamsConfig.APPLICATION_ID, "scale-" + guarantee.replace('_', '-'));
        c.put(StreamsConfig.NUM_STREAM_THREADS, 2);
        c.put(StreamsConfig.PROCESSING_GUARANTEE, guarantee);
        c.put(StreamsConfig.COMMIT_INTERVAL_MS, 100);
        c.put(StreamsConfig.STATE_DIR, dir.resolve("state-" + instance).toString());
        c.put("consumer.session.timeout.ms", 10_000);
        return c;
    }

    private static void produce(Cluster cluster, List<String> lines, String prefix) {
        try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
            for (int i = 0; i < lines.size(); i++) {
                p.send(new ProducerRecord<>("lines", Serdes.string().serialize("lines", prefix + i),
                        Serdes.string().serialize("lines", lines.get(i))));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2})
    void countsStayExactWhileTasksMoveBetweenInstances(String guarantee) throws Exception {
        Topology topology = StreamsTestDriverTest.wordCount();
        List<String> first = StreamsTestDriverTest.lines(2000, 21);
        List<String> second = StreamsTestDriverTest.lines(2000, 22);
        List<String> third = StreamsTestDriverTest.lines(2000, 23);
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        all.addAll(third);
        Map<String, Long> expected = StreamsTestDriverTest.expectedCounts(all);
        long occurrences = expected.values().stream().mapToLong(Long::longValue).sum();

        try (Cluster cluster = new Cluster(dir.resolve("broker"))) {
            cluster.createTopic("lines", 4);
            cluster.createTopic("counts", 4);
            Map<String, String> b = Map.of(StreamsConfig.BOOTSTRAP_SERVERS, cluster.bootstrap());
            Map<String, Object> ca = new HashMap<>(config(guarantee, "a"));
            ca.putAll(b);
            Map<String, Object> cb = new HashMap<>(config(guarantee, "b"));
            cb.putAll(b);
            String isolation = guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) ? "read_committed" : "read_uncommitted";
            List<ConsumerRecord<byte[], byte[]>> output = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> reader = cluster.reader("counts", isolation)) {
                WeirStreams a = new WeirStreams(topology, ca);
                a.start();
                produce(cluster, first, "a-");
                awaitOutput(reader, output, StreamsTestDriverTest.expectedCounts(first));

                WeirStreams bApp = new WeirStreams(topology, cb); // scale out: half the tasks move to b
                bApp.start();
                produce(cluster, second, "b-");
                List<String> firstTwo = new ArrayList<>(first);
                firstTwo.addAll(second);
                awaitOutput(reader, output, StreamsTestDriverTest.expectedCounts(firstTwo));

                a.close(); // scale in: a's tasks move to b, which restores their stores from the changelogs
                produce(cluster, third, "c-");
                awaitOutput(reader, output, expected);
                assertEquals(WeirStreams.State.RUNNING, bApp.state(), String.valueOf(bApp.error()));
                bApp.close();
            }
            if (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
                assertEquals(occurrences, output.size(), "one committed update per word occurrence");
                Map<String, Long> last = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : output) {
                    String k = Serdes.string().deserialize("counts", r.key());
                    long v = Serdes.longs().deserialize("counts", r.value());
                    assertEquals(last.getOrDefault(k, 0L) + 1, v, "updates of " + k + " in order, none repeated");
                    last.put(k, v);
                }
            }
        }
    }

    private static void awaitOutput(KafkaConsumer<byte[], byte[]> reader, List<ConsumerRecord<byte[], byte[]>> output,
                                    Map<String, Long> expected) {
        Map<String, Long> seen = new TreeMap<>();
        output.forEach(r -> seen.put(Serdes.string().deserialize("counts", r.key()),
                Serdes.longs().deserialize("counts", r.value())));
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : Cluster.pollOnce(reader, Duration.ofMillis(200))) {
                output.add(r);
                seen.put(Serdes.string().deserialize("counts", r.key()), Serdes.longs().deserialize("counts", r.value()));
            }
            return seen.equals(expected);
        });
    }
}
