package dev.weir.streams.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.WeirStreams;
import dev.weir.streams.Windowed;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Windowed counts with final results only, on a 4-partition topic of a real broker: each window is
 * emitted exactly once with the count the test computes itself, late records are dropped, and the test
 * driver gives the same output.
 */
@Tag("cluster")
class WindowedCountClusterTest {
    @TempDir
    Path dir;

    record In(String key, long ts, Integer partition) {
    }

    static List<In> input() {
        Random rnd = new Random(17);
        List<In> in = new ArrayList<>();
        long ts = 0;
        for (int i = 0; i < 3000; i++) {
            ts += rnd.nextInt(40);                      // increasing: nothing is late within a partition
            in.add(new In("user-" + rnd.nextInt(30), ts, null));
        }
        for (int p = 0; p < 4; p++) {
            in.add(new In("flush-" + p, 1_000_000, p)); // moves every task's stream time past every window
        }
        for (int i = 0; i < 20; i++) {
            in.add(new In("user-" + i, 5_000, null));   // late for all their windows: dropped
        }
        return in;
    }

    /** Tumbling 10 s counts of the first 3000 records (the flush records' windows never close; the late ones drop). */
    static Map<String, Long> expected(List<In> in) {
        Map<String, Long> m = new TreeMap<>();
        for (In r : in.subList(0, 3000)) {
            m.merge(r.key() + "@" + (r.ts() / 10_000 * 10_000), 1L, Long::sum);
        }
        return m;
    }

    static final Serde<Windowed<String>> WINDOWED = Serdes.windowed(Serdes.string(), Duration.ofSeconds(10));

    @Test
    void finalWindowCountsOnceEachOnFourPartitions() throws Exception {
        List<In> in = input();
        Map<String, Long> expected = expected(in);
        Topology topology = dev.weir.streams.test.WindowsTestTopologies.finalCounts();

        Map<String, Long> driver = new TreeMap<>();
        try (StreamsTestDriver d = new StreamsTestDriver(topology, Map.of(StreamsTestDriver.PARTITIONS, 4))) {
            TestInputTopic<String, String> t = d.inputTopic("clicks", Serdes.string(), Serdes.string());
            for (In r : in) {
                if (r.partition() == null) {
                    t.pipeInput(r.key(), "x", r.ts());
                } else {
                    t.pipeInput(r.partition(), r.key(), "x", r.ts());
                }
            }
            d.outputTopic("clicks-final", WINDOWED, Serdes.longs()).readKeyValuesToList().forEach(kv -> {
                Long before = driver.put(kv.key().key() + "@" + kv.key().start(), kv.value());
                assertEquals(null, before, "one final result per window");
            });
        }
        assertEquals(expected, driver);

        try (Cluster cluster = new Cluster(dir.resolve("broker"))) {
            cluster.createTopic("clicks", 4);
            cluster.createTopic("clicks-final", 4);
            try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
                for (In r : in) {
                    p.send(new ProducerRecord<>("clicks", r.partition(), r.ts(), Serdes.string().serialize("c", r.key()),
                            Serdes.string().serialize("c", "x")));
                    if (r.key().startsWith("flush")) {
                        p.flush(); // the late records must come after the flush records
                    }
                }
            }
            Map<String, Object> cfg = new HashMap<>();
            cfg.put(StreamsConfig.APPLICATION_ID, "windows");
            cfg.put(StreamsConfig.BOOTSTRAP_SERVERS, cluster.bootstrap());
            cfg.put(StreamsConfig.NUM_STREAM_THREADS, 2);
            cfg.put(StreamsConfig.COMMIT_INTERVAL_MS, 200);
            cfg.put(StreamsConfig.STATE_DIR, dir.resolve("state").toString());
            Map<String, Long> broker = new TreeMap<>();
            List<String> duplicates = new ArrayList<>();
            try (WeirStreams app = new WeirStreams(topology, cfg);
                 KafkaConsumer<byte[], byte[]> reader = cluster.reader("clicks-final", "read_uncommitted")) {
                app.start();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : Cluster.pollOnce(reader, Duration.ofMillis(200))) {
                        Windowed<String> w = WINDOWED.deserialize("clicks-final", r.key());
                        if (broker.put(w.key() + "@" + w.start(), Serdes.longs().deserialize("c", r.value())) != null) {
                            duplicates.add(w.toString());
                        }
                    }
                    return broker.size() >= expected.size();
                });
                assertEquals(WeirStreams.State.RUNNING, app.state(), String.valueOf(app.error()));
                await().atMost(Duration.ofSeconds(30)).until(() -> app.lateDroppedRecords() == 20);
            }
            assertEquals(List.of(), duplicates);
            assertEquals(expected, broker);
        }
    }
}
