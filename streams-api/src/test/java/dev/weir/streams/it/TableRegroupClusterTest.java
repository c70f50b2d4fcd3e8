package dev.weir.streams.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsConfig;
import dev.weir.streams.WeirStreams;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.test.TableRegroupTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table re-grouping on a real broker with a 4-partition accounts topic: accounts open, move between
 * regions, change balance and close; the per-region account counts and balances end equal to what the
 * test computes from the final table.
 */
@Tag("cluster")
class TableRegroupClusterTest {
    @TempDir
    Path dir;

    @Test
    void regionAggregatesFollowAccountsMovingBetweenRegions() throws Exception {
        List<KeyValue<String, String>> history = TableRegroupTest.history(3000, 8);
        Map<String, long[]> expected = TableRegroupTest.expected(history);
        Map<String, Long> expectedCounts = TableRegroupTest.counts(expected);
        Map<String, Long> expectedBalances = TableRegroupTest.balances(expected);
        try (Cluster cluster = new Cluster(dir.resolve("broker"))) {
            for (String t : List.of("accounts", "region-counts", "region-balances")) {
                cluster.createTopic(t, 4);
            }
            try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
                for (KeyValue<String, String> kv : history) {
                    p.send(new ProducerRecord<>("accounts", Serdes.string().serialize("a", kv.key()),
                            Serdes.string().serialize("a", kv.value())));
                }
            }
            Map<String, Object> cfg = new HashMap<>();
            cfg.put(StreamsConfig.APPLICATION_ID, "regions");
            cfg.put(StreamsConfig.BOOTSTRAP_SERVERS, cluster.bootstrap());
            cfg.put(StreamsConfig.NUM_STREAM_THREADS, 2);
            cfg.put(StreamsConfig.COMMIT_INTERVAL_MS, 200);
            cfg.put(StreamsConfig.STATE_DIR, dir.resolve("state").toString());
            try (WeirStreams app = new WeirStreams(TableRegroupTest.regions(), cfg);
                 KafkaConsumer<byte[], byte[]> counts = cluster.reader("region-counts", "read_uncommitted");
                 KafkaConsumer<byte[], byte[]> balances = cluster.reader("region-balances", "read_uncommitted")) {
                app.start();
                Map<String, Long> c = new TreeMap<>();
                Map<String, Long> b = new TreeMap<>();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10)).until(() -> {
                    read(counts, c);
                    read(balances, b);
                    Map<String, Long> nonZero = new TreeMap<>(c);
                    nonZero.values().removeIf(v -> v == 0);
                    Map<String, Long> bExpectedKeys = new TreeMap<>(b);
                    bExpectedKeys.keySet().retainAll(expectedBalances.keySet());
                    return nonZero.equals(expectedCounts) && bExpectedKeys.equals(expectedBalances);
                });
                assertEquals(WeirStreams.State.RUNNING, app.state(), String.valueOf(app.error()));
            }
        }
    }

    private static void read(KafkaConsumer<byte[], byte[]> reader, Map<String, Long> into) {
        for (ConsumerRecord<byte[], byte[]> r : Cluster.pollOnce(reader, Duration.ofMillis(100))) {
            into.put(Serdes.string().deserialize("t", r.key()), Serdes.longs().deserialize("t", r.value()));
        }
    }
}
