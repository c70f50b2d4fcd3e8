package dev.weir.streams.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.streams.KStream;
import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.WeirStreams;
import dev.weir.streams.With;
import dev.weir.streams.processor.Processor;
import dev.weir.streams.processor.ProcessorContext;
import dev.weir.streams.processor.Record;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.state.KeyValueStore;
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
 * A topology with a table and its filter, a split into per-record topics, and a processor with a
 * store, run on a real broker (4-partition inputs) and in the test driver with the same input: the
 * final value per key of every output topic is the same, and equals what the test computes itself.
 */
@Tag("cluster")
class DriverParityClusterTest {
    @TempDir
    Path dir;

    /** Counts the records per key in store "seen" and forwards the running count. */
    static final class Seen implements Processor<String, String, String, Long> {
        private ProcessorContext<String, Long> ctx;
        private KeyValueStore<String, Long> seen;

        @Override
        public void init(ProcessorContext<String, Long> context) {
            ctx = context;
            seen = context.getStateStore("seen");
        }

        @Override
        public void process(Record<String, String> r) {
            Long n = seen.get(r.key());
            long next = n == null ? 1 : n + 1;
            seen.put(r.key(), next);
            ctx.forward(r.withValue(next));
        }
    }

    static Topology topology() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string()).requireExplicitNames();
        b.addStore(With.as("seen", Serdes.string(), Serdes.longs()));
        b.<String, Long>table("balances", With.as("balances", Serdes.string(), Serdes.longs()))
                .filter((k, v) -> v >= 100, "rich-only")
                .mapValues(v -> "rich:" + v, "label")
                .toStream("rich-stream")
                .to("rich", With.as("rich-sink", Serdes.string(), Serdes.string()));
        Map<String, KStream<String, String>> kinds = b.<String, String>stream("events", With.as("events-source"))
                .split("kind-")
                .branch("order", (k, v) -> v.startsWith("order"))
                .defaultBranch("other");
        kinds.get("kind-order").mapValues(String::toUpperCase, "upper").to((k, v) -> "orders-" + (k.hashCode() & 1),
                With.as("orders-sink"));
        kinds.get("kind-other").process("seen-processor", Seen::new, "seen")
                .to("seen-counts", With.as("seen-sink", Serdes.string(), Serdes.longs()));
        return b.build();
    }

    record Input(List<KeyValue<String, Long>> balances, List<KeyValue<String, String>> events) {
        static Input random(long seed) {
            Random rnd = new Random(seed);
            List<KeyValue<String, Long>> balances = new ArrayList<>();
            List<KeyValue<String, String>> events = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                balances.add(KeyValue.pair("acct-" + rnd.nextInt(60), rnd.nextInt(10) == 0 ? null : (long) rnd.nextInt(200)));
                events.add(KeyValue.pair("user-" + rnd.nextInt(40), (rnd.nextBoolean() ? "order-" : "view-") + i));
            }
            return new Input(balances, events);
        }
    }

    /** What the outputs must hold at the end, computed without the library. */
    static Map<String, Map<String, Object>> expected(Input in) {
        Map<String, Long> table = new HashMap<>();
        Map<String, Object> rich = new TreeMap<>();
        for (KeyValue<String, Long> kv : in.balances()) {
            Long old = kv.value() == null ? table.remove(kv.key()) : table.put(kv.key(), kv.value());
            boolean nowRich = kv.value() != null && kv.value() >= 100;
            boolean wasRich = old != null && old >= 100;
            if (nowRich) {
                rich.put(kv.key(), "rich:" + kv.value());
            } else if (wasRich) {
                rich.remove(kv.key()); // a deletion downstream
            }
        }
        Map<String, Object> orders0 = new TreeMap<>();
        Map<String, Object> orders1 = new TreeMap<>();
        Map<String, Object> seen = new TreeMap<>();
        for (KeyValue<String, String> kv : in.events()) {
            if (kv.value().startsWith("order")) {
                ((kv.key().hashCode() & 1) == 0 ? orders0 : orders1).put(kv.key(), kv.value().toUpperCase());
            } else {
                seen.merge(kv.key(), 1L, (a, b) -> (Long) a + 1);
            }
        }
        return Map.of("rich", rich, "orders-0", orders0, "orders-1", orders1, "seen-counts", seen);
    }

    static final Map<String, Serde<?>> VALUE_SERDES = Map.of("rich", Serdes.string(), "orders-0", Serdes.string(),
            "orders-1", Serdes.string(), "seen-counts", Serdes.longs());

    @Test
    void brokerAndTestDriverAgreeWithIndependentlyComputedOutputs() throws Exception {
        Input input = Input.random(5);
        Map<String, Map<String, Object>> expected = expected(input);

        Map<String, Map<String, Object>> driver = new TreeMap<>();
        try (StreamsTestDriver d = new StreamsTestDriver(topology(), Map.of(StreamsTestDriver.PARTITIONS, 4))) {
            TestInputTopic<String, Long> balances = d.inputTopic("balances", Serdes.string(), Serdes.longs());
            TestInputTopic<String, String> events = d.inputTopic("events", Serdes.string(), Serdes.string());
            for (int i = 0; i < input.balances().size(); i++) {
                balances.pipeInput(input.balances().get(i).key(), input.balances().get(i).value(), i);
                events.pipeInput(input.events().get(i).key(), input.events().get(i).value(), i);
            }
            for (String topic : VALUE_SERDES.keySet()) {
                driver.put(topic, new TreeMap<>(d.outputTopic(topic, Serdes.string(), VALUE_SERDES.get(topic))
                        .readKeyValuesToMap()));
            }
        }
        assertEquals(expected, driver);

        try (Cluster cluster = new Cluster(dir.resolve("broker"))) {
            for (String t : List.of("balances", "events", "rich", "orders-0", "orders-1", "seen-counts")) {
                cluster.createTopic(t, 4);
            }
            try (KafkaProducer<byte[], byte[]> p = cluster.producer()) {
                for (int i = 0; i < input.balances().size(); i++) {
                    KeyValue<String, Long> b = input.balances().get(i);
                    p.send(new ProducerRecord<>("balances", null, (long) i, Serdes.string().serialize("balances", b.key()),
                            Serdes.longs().serialize("balances", b.value())));
                    KeyValue<String, String> e = input.events().get(i);
                    p.send(new ProducerRecord<>("events", null, (long) i, Serdes.string().serialize("events", e.key()),
                            Serdes.string().serialize("events", e.value())));
                }
            }
            Map<String, Object> cfg = new HashMap<>();
            cfg.put(StreamsConfig.APPLICATION_ID, "parity");
            cfg.put(StreamsConfig.BOOTSTRAP_SERVERS, cluster.bootstrap());
            cfg.put(StreamsConfig.NUM_STREAM_THREADS, 2);
            cfg.put(StreamsConfig.COMMIT_INTERVAL_MS, 200);
            cfg.put(StreamsConfig.STATE_DIR, dir.resolve("state").toString());
            try (WeirStreams app = new WeirStreams(topology(), cfg)) {
                app.start();
                for (String topic : VALUE_SERDES.keySet()) {
                    Map<String, Object> seen = new TreeMap<>();
                    try (KafkaConsumer<byte[], byte[]> reader = cluster.reader(topic, "read_uncommitted")) {
                        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10)).until(() -> {
                            for (ConsumerRecord<byte[], byte[]> r : Cluster.pollOnce(reader, Duration.ofMillis(200))) {
                                String k = Serdes.string().deserialize(topic, r.key());
                                Object v = VALUE_SERDES.get(topic).deserialize(topic, r.value());
                                if (v == null) {
                                    seen.remove(k);
                                } else {
                                    seen.put(k, v);
                                }
                            }
                            return seen.equals(expected.get(topic));
                        });
                    }
                }
                assertEquals(WeirStreams.State.RUNNING, app.state(), String.valueOf(app.error()));
            }
        }
    }
}
