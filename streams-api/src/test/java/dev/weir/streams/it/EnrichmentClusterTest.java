package dev.weir.streams.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.WeirStreams;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.test.StreamTableJoinTestTopologies;
import dev.weir.streams.test.StreamsTestDriver;
import dev.weir.streams.test.TestInputTopic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stream–table enrichment on a real broker with 4-partition topics: orders keyed by order id are
 * re-keyed by user (repartition) and joined with the users' regions (inner and left). The table is
 * loaded first (the test waits until the application has committed all of it), then the orders go in;
 * the outputs equal what the test computes from the final table, and what the test driver gives.
 */
@Tag("cluster")
class EnrichmentClusterTest {
    @TempDir
    Path dir;

    @Test
    void ordersAreEnrichedWithTheirUsersRegion() throws Exception {
        Random rnd = new Random(31);
        String[] places = {"eu", "us", "apac", "moon"};
        Map<String, String> regions = new TreeMap<>();
        List<KeyValue<String, String>> users = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String user = "u" + rnd.nextInt(80);
            String region = rnd.nextInt(10) == 0 ? null : places[rnd.nextInt(places.length)];
            users.add(KeyValue.pair(user, region));
            if (region == null) {
                regions.remove(user);
            } else {
                regions.put(user, region);
            }
        }
        List<KeyValue<String, String>> orders = new ArrayList<>();
        Map<String, List<String>> inner = new TreeMap<>();
        Map<String, List<String>> all = new TreeMap<>();
        for (int i = 0; i < 1000; i++) {
            String user = "u" + rnd.nextInt(100); // some users never had a region
            orders.add(KeyValue.pair("o" + i, user + ":" + i));
            String region = regions.get(user);
            if (region != null) {
                inner.computeIfAbsent(user, k -> new ArrayList<>()).add(region + "/" + i);
            }
            all.computeIfAbsent(user, k -> new ArrayList<>())
                    .add((region == null || region.equals("moon") ? "unknown" : region) + "/" + i);
        }
        Topology topology = StreamTableJoinTestTopologies.enrichment();

        try (StreamsTestDriver d = new StreamsTestDriver(topology)) {
            TestInputTopic<String, String> u = d.inputTopic("user-regions", Serdes.string(), Serdes.string());
            TestInputTopic<String, String> o = d.inputTopic("orders", Serdes.string(), Serdes.string());
            users.forEach(kv -> u.pipeInput(kv.key(), kv.value(), 1));
            orders.forEach(kv -> o.pipeInput(kv.key(), kv.value(), 2));
            assertEquals(inner, byKey(d.outputTopic("orders-by-region", Serdes.string(), Serdes.string())
                    .readKeyValuesToList()));
            assertEquals(all, byKey(d.outputTopic("orders-all", Serdes.string(), Serdes.string()).readKeyValuesToList()));
        }

        try (Cluster cluster = new Cluster(dir.resolve("broker"))) {
            for (String t : List.of("user-regions", "orders", "orders-by-region", "orders-all")) {
                cluster.createTopic(t, 4);
            }
            Map<String, Object> cfg = new HashMap<>();
            cfg.put(StreamsConfig.APPLICATION_ID, "enrich");
            cfg.put(StreamsConfig.BOOTSTRAP_SERVERS, cluster.bootstrap());
            cfg.put(StreamsConfig.NUM_STREAM_THREADS, 2);
            cfg.put(StreamsConfig.COMMIT_INTERVAL_MS, 100);
            cfg.put(StreamsConfig.STATE_DIR, dir.resolve("state").toString());
            try (WeirStreams app = new WeirStreams(topology, cfg);
                 KafkaProducer<byte[], byte[]> p = cluster.producer();
                 Admin admin = cluster.admin()) {
                app.start();
                for (KeyValue<String, String> kv : users) {
                    p.send(new ProducerRecord<>("user-regions", null, 1L, Serdes.string().serialize("u", kv.key()),
                            Serdes.string().serialize("u", kv.value())));
                }
                p.flush();
                awaitCommittedToEnd(admin, "enrich", "user-regions");
                for (KeyValue<String, String> kv : orders) {
                    p.send(new ProducerRecord<>("orders", null, 2L, Serdes.string().serialize("o", kv.key()),
                            Serdes.string().serialize("o", kv.value())));
                }
                p.flush();
                // Orders of one user come from four input partitions through the repartition topic, so
                // their order per user is not the input order: compare them sorted.
                assertEquals(sorted(inner), sorted(readUntil(cluster, "orders-by-region", inner)));
                assertEquals(sorted(all), sorted(readUntil(cluster, "orders-all", all)));
                assertEquals(WeirStreams.State.RUNNING, app.state(), String.valueOf(app.error()));
            }
        }
    }

    private static Map<String, List<String>> sorted(Map<String, List<String>> m) {
        Map<String, List<String>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.stream().sorted().toList()));
        return out;
    }

    private static Map<String, List<String>> byKey(List<KeyValue<String, String>> kvs) {
        Map<String, List<String>> m = new TreeMap<>();
        kvs.forEach(kv -> m.computeIfAbsent(kv.key(), k -> new ArrayList<>()).add(kv.value()));
        return m;
    }

    private static void awaitCommittedToEnd(Admin admin, String group, String topic) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < 4; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get();
            return ends.entrySet().stream().allMatch(e -> committed.containsKey(e.getKey())
                    && committed.get(e.getKey()).offset() >= e.getValue().offset());
        });
    }

    private static Map<String, List<String>> readUntil(Cluster cluster, String topic, Map<String, List<String>> expected) {
        Map<String, List<String>> seen = new TreeMap<>();
        int total = expected.values().stream().mapToInt(List::size).sum();
        try (KafkaConsumer<byte[], byte[]> reader = cluster.reader(topic, "read_uncommitted")) {
            int[] n = {0};
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : Cluster.pollOnce(reader, Duration.ofMillis(200))) {
                    seen.computeIfAbsent(Serdes.string().deserialize(topic, r.key()), k -> new ArrayList<>())
                            .add(Serdes.string().deserialize(topic, r.value()));
                    n[0]++;
                }
                return n[0] >= total;
            });
        }
        return seen;
    }
}
