package dev.weir.streams.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.KStream;
import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.Topology;
import dev.weir.streams.With;
import dev.weir.streams.TaskId;
import dev.weir.streams.serde.Serdes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
public class StreamsTestDriverTest {

    /** The word count the end-to-end tests also run on a broker. */
    public static Topology wordCount() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string()).requireExplicitNames();
        b.<String, String>stream("lines", With.as("lines-source"))
                .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")), "split-words")
                .filterNot((k, w) -> w.isEmpty(), "drop-empty")
                .groupBy((k, w) -> w, With.as("words"))
                .count(With.as("word-counts"))
                .toStream("counts-stream")
                .to("counts", With.as("counts-sink", Serdes.string(), Serdes.longs()));
        return b.build();
    }

    /** Lines of random words from a small vocabulary, and the counts a plain loop computes from them. */
    public static List<String> lines(int n, long seed) {
        String[] vocab = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
            "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon"};
        Random rnd = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + rnd.nextInt(6);
            for (int w = 0; w < words; w++) {
                sb.append(w == 0 ? "" : rnd.nextBoolean() ? " " : ", ").append(vocab[rnd.nextInt(vocab.length)]);
            }
            out.add(sb.toString());
        }
        return out;
    }

    public static Map<String, Long> expectedCounts(List<String> lines) {
        Map<String, Long> m = new TreeMap<>();
        for (String line : lines) {
            for (String w : line.toLowerCase().split("\\W+")) {
                if (!w.isEmpty()) {
                    m.merge(w, 1L, Long::sum);
                }
            }
        }
        return m;
    }

    @Test
    void wordCountOverFourPartitionsRepartitionsByWord() {
        List<String> lines = lines(500, 1);
        try (StreamsTestDriver d = new StreamsTestDriver(wordCount(), Map.of(StreamsTestDriver.PARTITIONS, 4))) {
            TestInputTopic<String, String> in = d.inputTopic("lines", Serdes.string(), Serdes.string());
            TestOutputTopic<String, Long> out = d.outputTopic("counts", Serdes.string(), Serdes.longs());
            for (int i = 0; i < lines.size(); i++) {
                in.pipeInput("line-" + i, lines.get(i), 1000L + i);
            }
            Map<String, Long> expected = expectedCounts(lines);
            assertEquals(expected, new TreeMap<>(out.readKeyValuesToMap()));
            assertEquals(expected, new TreeMap<>(d.storeContents("word-counts")));
            assertEquals(4, d.partitions("test-app-words-repartition"));
            assertEquals(4, d.partitions("test-app-word-counts-changelog"));
            // 2 sub-topologies x 4 partitions, and the counting really spread over the 4 tasks of sub-topology 1.
            assertEquals(8, d.taskIds().size());
            for (int p = 0; p < 4; p++) {
                assertTrue(d.processed(new TaskId(1, p)) > 0, "task 1_" + p + " processed nothing");
            }
            // Every count update went to the changelog, and its last value per key equals the store.
            TestOutputTopic<String, Long> changelog = d.outputTopic("test-app-word-counts-changelog",
                    Serdes.string(), Serdes.longs());
            assertEquals(expected, new TreeMap<>(changelog.readKeyValuesToMap()));
        }
    }

    @Test
    void keysThatReachTwoTasksAreReported() {
        // A topic written by a producer that partitioned by something else than the key: groupByKey trusts
        // the partitioning, so the same key is counted in two tasks. Kafka's one-partition driver cannot see it.
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("clicks").groupByKey().count("clicks-per-user");
        try (StreamsTestDriver d = new StreamsTestDriver(b.build())) {
            TestInputTopic<String, String> in = d.inputTopic("clicks", Serdes.string(), Serdes.string());
            in.pipeInput(0, "u1", "a", 1);
            in.pipeInput(2, "u1", "b", 2);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.storeContents("clicks-per-user"));
            assertTrue(e.getMessage().contains("tasks 0_0 and 0_2"), e.getMessage());
        }
    }

    @Test
    void streamTimeIsPerTaskAndNeverGoesBack() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("in").groupByKey().count("n");
        try (StreamsTestDriver d = new StreamsTestDriver(b.build(), Map.of(StreamsTestDriver.PARTITIONS, 2))) {
            TestInputTopic<String, String> in = d.inputTopic("in", Serdes.string(), Serdes.string());
            in.pipeInput(0, "a", "x", 5_000);
            in.pipeInput(0, "a", "x", 3_000); // out of order: stream time stays at 5000
            in.pipeInput(1, "b", "x", 7_000);
            assertEquals(5_000, d.streamTime(new TaskId(0, 0)));
            assertEquals(7_000, d.streamTime(new TaskId(0, 1)));
        }
    }

    @Test
    void tablesRetractRowsThatStopMatchingAFilter() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        b.<String, Long>table("balances", With.as("balances"))
                .filter((k, v) -> v >= 100, "rich-only")
                .mapValues(v -> "rich:" + v, "label")
                .toStream("rich-stream")
                .to("rich", With.serdes(Serdes.string(), Serdes.string()));
        try (StreamsTestDriver d = new StreamsTestDriver(b.build())) {
            TestInputTopic<String, Long> in = d.inputTopic("balances", Serdes.string(), Serdes.longs());
            TestOutputTopic<String, String> out = d.outputTopic("rich", Serdes.string(), Serdes.string());
            in.pipeInput("ann", 50L, 1);
            in.pipeInput("bob", 150L, 2);
            in.pipeInput("ann", 120L, 3);
            in.pipeInput("bob", 20L, 4);   // bob leaves the filter: a deletion downstream
            in.pipeInput("cat", 10L, 5);   // never matched: nothing downstream
            in.pipeInput("ann", null, 6);  // ann deleted
            List<KeyValue<String, String>> expected = new ArrayList<>();
            expected.add(KeyValue.pair("bob", "rich:150"));
            expected.add(KeyValue.pair("ann", "rich:120"));
            expected.add(KeyValue.pair("bob", null));
            expected.add(KeyValue.pair("ann", null));
            assertEquals(expected, out.readKeyValuesToList());
            assertEquals(Map.of("cat", 10L, "bob", 20L), d.storeContents("balances"));
        }
    }

    @Test
    void statelessOperatorsSplitAndPerRecordTopics() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        List<String> peeked = new ArrayList<>();
        Map<String, KStream<String, String>> branches = b.<String, String>stream("events")
                .peek((k, v) -> peeked.add(v))
                .filter((k, v) -> !v.startsWith("#"))
                .map((k, v) -> KeyValue.pair(v.split(":")[0], v.split(":")[1]))
                .split("kind-")
                .branch("order", (k, v) -> k.equals("order"))
                .branch("pay", (k, v) -> k.equals("pay"))
                .defaultBranch("other");
        branches.get("kind-order").merge(branches.get("kind-pay"))
                .flatMap((k, v) -> List.of(KeyValue.pair(k, v), KeyValue.pair(k, v + "!")))
                .to((k, v) -> "out-" + k);
        branches.get("kind-other").selectKey((k, v) -> v).mapValues(String::length)
                .to("other", With.serdes(Serdes.string(), Serdes.integers()));
        try (StreamsTestDriver d = new StreamsTestDriver(b.build())) {
            TestInputTopic<String, String> in = d.inputTopic("events", Serdes.string(), Serdes.string());
            in.pipeKeyValueList(List.of(KeyValue.pair("k", "order:o1"), KeyValue.pair("k", "#comment:x"),
                    KeyValue.pair("k", "pay:p1"), KeyValue.pair("k", "misc:hello")));
            assertEquals(4, peeked.size());
            assertEquals(List.of(KeyValue.pair("order", "o1"), KeyValue.pair("order", "o1!")),
                    d.outputTopic("out-order", Serdes.string(), Serdes.string()).readKeyValuesToList());
            assertEquals(List.of(KeyValue.pair("pay", "p1"), KeyValue.pair("pay", "p1!")),
                    d.outputTopic("out-pay", Serdes.string(), Serdes.string()).readKeyValuesToList());
            assertEquals(List.of(KeyValue.pair("hello", 5)),
                    d.outputTopic("other", Serdes.string(), Serdes.integers()).readKeyValuesToList());
        }
    }

    @Test
    void reduceAndAggregateOnRocksDb() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.integers());
        KStream<String, Integer> s = b.stream("amounts");
        s.groupByKey().reduce(Integer::sum, With.as("sums")).toStream().to("sums");
        s.groupBy((k, v) -> v % 2 == 0 ? "even" : "odd", With.as("parity"))
                .aggregate(() -> "", (k, v, agg) -> agg + v + ";", With.as("lists", Serdes.string(), Serdes.string()));
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("default.dsl.store", "rocksDB");
        cfg.put(StreamsTestDriver.PARTITIONS, 3);
        try (StreamsTestDriver d = new StreamsTestDriver(b.build(), cfg)) {
            TestInputTopic<String, Integer> in = d.inputTopic("amounts", Serdes.string(), Serdes.integers());
            Map<String, Integer> sums = new TreeMap<>();
            Map<String, StringBuilder> lists = new TreeMap<>();
            for (int i = 0; i < 60; i++) {
                String k = "k" + (i % 7);
                in.pipeInput(k, i, i);
                sums.merge(k, i, Integer::sum);
                lists.computeIfAbsent(i % 2 == 0 ? "even" : "odd", x -> new StringBuilder()).append(i).append(';');
            }
            assertEquals(sums, new TreeMap<>(d.outputTopic("sums", Serdes.string(), Serdes.integers()).readKeyValuesToMap()));
            Map<String, String> lists2 = new TreeMap<>();
            lists.forEach((k, v) -> lists2.put(k, v.toString()));
            assertEquals(lists2, new TreeMap<>(d.storeContents("lists")));
            assertNull(d.<String, Integer>storeContents("sums").get("nope"));
        }
    }

    @Test
    void aBadRecordFailsWithItsTopicPartitionAndOffset() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        b.<String, Long>stream("nums").groupByKey().reduce(Long::sum, With.as("sum"));
        try (StreamsTestDriver d = new StreamsTestDriver(b.build())) {
            TestInputTopic<String, String> in = d.inputTopic("nums", Serdes.string(), Serdes.string());
            dev.weir.streams.StreamsException e = assertThrows(dev.weir.streams.StreamsException.class,
                    () -> in.pipeInput(1, "k", "not eight bytes", 1));
            assertTrue(e.getMessage().contains("nums-1@0"), e.getMessage());
            assertTrue(e.getMessage().contains("task 0_1"), e.getMessage());
        }
    }

    @Test
    void timestampExtractorGivesEventTimeAndNegativeTimesAreInvalid() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("events", With.<String, String>none()
                        .withTimestampExtractor((k, v, recordTs, partitionTime) -> Long.parseLong(v.split("\\|")[0])))
                .mapValues(v -> v.split("\\|")[1])
                .to("out");
        Map<String, Object> cfg = Map.of(StreamsTestDriver.PARTITIONS, 1,
                dev.weir.streams.StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER, "continue");
        try (StreamsTestDriver d = new StreamsTestDriver(b.build(), cfg)) {
            TestInputTopic<String, String> in = d.inputTopic("events", Serdes.string(), Serdes.string());
            in.pipeInput("k", "7000|a", 1);
            in.pipeInput("k", "-5|bad", 2);
            in.pipeInput("k", "3000|b", 3);
            List<TestRecord<String, String>> out = d.outputTopic("out", Serdes.string(), Serdes.string()).readRecordsToList();
            assertEquals(List.of("a", "b"), out.stream().map(TestRecord::value).toList());
            assertEquals(List.of(7000L, 3000L), out.stream().map(TestRecord::timestamp).toList());
            assertEquals(7000L, d.streamTime(new TaskId(0, 0)));
            assertEquals(1, d.skipped(new TaskId(0, 0)));
        }
    }
}
