package dev.weir.streams.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.TaskId;
import dev.weir.streams.TimeWindows;
import dev.weir.streams.Topology;
import dev.weir.streams.Windowed;
import dev.weir.streams.With;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class WindowsTest {
    static final Duration SIZE = Duration.ofSeconds(10);
    static final Serde<Windowed<String>> WINDOWED = Serdes.windowed(Serdes.string(), SIZE);

    static Topology finalCounts(String storeType) {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("clicks")
                .groupByKey()
                .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, Duration.ofSeconds(5)))
                .emitOnWindowClose()
                .count(With.<String, Long>as("clicks-per-10s").withStoreType(
                        storeType == null ? null : dev.weir.streams.state.StoreType.parse(storeType)))
                .toStream()
                .to("clicks-final", With.serdes(WINDOWED, Serdes.longs()));
        return b.build();
    }

    @Test
    void tumblingWindowsEmitOneFinalResultWhenStreamTimePassesEndPlusGrace() {
        for (String store : List.of("in_memory", "rocksDB")) {
            try (StreamsTestDriver d = new StreamsTestDriver(finalCounts(store), Map.of(StreamsTestDriver.PARTITIONS, 1))) {
                TestInputTopic<String, String> in = d.inputTopic("clicks", Serdes.string(), Serdes.string());
                TestOutputTopic<Windowed<String>, Long> out = d.outputTopic("clicks-final", WINDOWED, Serdes.longs());
                in.pipeInput("a", "x", 1_000);
                in.pipeInput("a", "x", 2_000);
                in.pipeInput("b", "x", 3_000);
                in.pipeInput("a", "x", 11_000);
                in.pipeInput("a", "x", 9_000);   // out of order but within grace: window [0,10s) closes at 15s
                assertEquals(List.of(), out.readKeyValuesToList());
                in.pipeInput("a", "x", 16_000);  // stream time 16s >= 10s + 5s: [0,10s) is final
                assertEquals(List.of(KeyValue.pair(new Windowed<>("a", 0, 10_000), 3L),
                        KeyValue.pair(new Windowed<>("b", 0, 10_000), 1L)), out.readKeyValuesToList());
                in.pipeInput("a", "x", 4_000);   // its only window has closed: dropped and counted
                assertEquals(1, d.lateDropped(new TaskId(0, 0)));
                in.pipeInput("c", "x", 30_000);  // closes [10s,20s)
                assertEquals(List.of(KeyValue.pair(new Windowed<>("a", 10_000, 20_000), 2L)), out.readKeyValuesToList());
                assertEquals(Map.of(new Windowed<>("c", 30_000, 40_000), 1L), d.storeContents("clicks-per-10s"),
                        "closed windows are deleted; only open ones remain (" + store + ")");
            }
        }
    }

    @Test
    void hoppingWindowSumsOverFourPartitionsMatchAPlainLoop() {
        TimeWindows hopping = TimeWindows.ofSizeAndGrace(SIZE, Duration.ofMinutes(10)).advanceBy(Duration.ofSeconds(5));
        assertEquals(List.of(0L, 5_000L), hopping.windowStartsFor(7_000));
        assertEquals(List.of(5_000L, 10_000L), hopping.windowStartsFor(10_000));
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        b.<String, Long>stream("amounts")
                .selectKey((k, v) -> k.substring(0, 1)) // regroup: sums per first letter, through a repartition
                .groupByKey(With.as("by-letter"))
                .windowedBy(hopping)
                .reduce(Long::sum, With.as("sums"))
                .toStream()
                .to("sums-out", With.serdes(WINDOWED, Serdes.longs()));
        Random rnd = new Random(3);
        Map<Windowed<String>, Long> expected = new TreeMap<>(java.util.Comparator.comparing(Windowed<String>::toString));
        try (StreamsTestDriver d = new StreamsTestDriver(b.build())) {
            TestInputTopic<String, Long> in = d.inputTopic("amounts", Serdes.string(), Serdes.longs());
            for (int i = 0; i < 400; i++) {
                String key = "abcdef".charAt(rnd.nextInt(6)) + "-" + rnd.nextInt(50);
                long ts = rnd.nextInt(60_000);   // out of order, but the 10 min grace keeps every window open
                long v = rnd.nextInt(100);
                in.pipeInput(key, v, ts);
                for (long start = Math.max(0, ts - 10_000 + 5_000) / 5_000 * 5_000; start <= ts; start += 5_000) {
                    expected.merge(new Windowed<>(key.substring(0, 1), start, start + 10_000), v, Long::sum);
                }
            }
            Map<Windowed<String>, Long> actual = new TreeMap<>(java.util.Comparator.comparing(Windowed<String>::toString));
            actual.putAll(d.outputTopic("sums-out", WINDOWED, Serdes.longs()).readKeyValuesToMap());
            assertEquals(expected, actual);
        }
    }

    @Test
    void windowsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> TimeWindows.ofSizeWithNoGrace(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> TimeWindows.ofSizeWithNoGrace(SIZE).advanceBy(Duration.ofSeconds(11)));
        List<Long> all = new ArrayList<>(TimeWindows.ofSizeWithNoGrace(SIZE).windowStartsFor(19_999));
        assertEquals(List.of(10_000L), all);
    }
}
