package dev.weir.streams.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.TaskId;
import dev.weir.streams.Topology;
import dev.weir.streams.With;
import dev.weir.streams.processor.Processor;
import dev.weir.streams.processor.ProcessorContext;
import dev.weir.streams.processor.PunctuationType;
import dev.weir.streams.processor.Record;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.state.KeyValueIterator;
import dev.weir.streams.state.KeyValueStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class ProcessorApiTest {

    /** Sums values per key in a store; every 10 s of stream time emits "snapshot" records; every minute "tick". */
    static final class Totals implements Processor<String, Long, String, String> {
        private ProcessorContext<String, String> ctx;
        private KeyValueStore<String, Long> totals;

        @Override
        public void init(ProcessorContext<String, String> context) {
            ctx = context;
            totals = context.getStateStore("totals");
            context.schedule(Duration.ofSeconds(10), PunctuationType.STREAM_TIME, ts -> {
                try (KeyValueIterator<String, Long> it = totals.all()) {
                    it.forEachRemaining(kv -> ctx.forward(new Record<>(kv.key(), "snapshot@" + ts + "=" + kv.value(), ts)));
                }
            });
            context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME,
                    ts -> ctx.forward(new Record<>("tick", ctx.taskId() + "@" + ts, ts)));
        }

        @Override
        public void process(Record<String, Long> r) {
            Long old = totals.get(r.key());
            totals.put(r.key(), (old == null ? 0 : old) + r.value());
            assertTrue(ctx.recordMetadata().topic().endsWith("amounts") || ctx.recordMetadata().topic().endsWith("-repartition"));
        }
    }

    private static Topology topology() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        b.addStore(With.as("totals", Serdes.string(), Serdes.longs()));
        b.<String, Long>stream("amounts").process("totals-processor", Totals::new, "totals")
                .to("out", With.serdes(Serdes.string(), Serdes.string()));
        return b.build();
    }

    @Test
    void streamTimePunctuationFiresOncePerIntervalReachedByRecords() {
        try (StreamsTestDriver d = new StreamsTestDriver(topology(), Map.of(StreamsTestDriver.PARTITIONS, 2))) {
            TestInputTopic<String, Long> in = d.inputTopic("amounts", Serdes.string(), Serdes.longs());
            TestOutputTopic<String, String> out = d.outputTopic("out", Serdes.string(), Serdes.string());
            in.pipeInput(0, "a", 1L, 0);       // stream time 0: first punctuation due at 10 000
            in.pipeInput(0, "a", 2L, 5_000);
            assertTrue(out.isEmpty());
            in.pipeInput(0, "b", 4L, 12_000);  // reaches 10 000: one snapshot, after this record
            assertEquals(List.of(KeyValue.pair("a", "snapshot@12000=3"), KeyValue.pair("b", "snapshot@12000=4")),
                    out.readKeyValuesToList());
            in.pipeInput(0, "a", 1L, 15_000);  // next due at 20 000
            in.pipeInput(1, "c", 9L, 50_000);  // another task: its own stream time, first due at 60 000
            assertTrue(out.isEmpty());
            in.pipeInput(0, "a", 1L, 31_000);  // jumps past 20 000 and 30 000: fires once
            assertEquals(List.of(KeyValue.pair("a", "snapshot@31000=5"), KeyValue.pair("b", "snapshot@31000=4")),
                    out.readKeyValuesToList());
            in.pipeInput(0, "a", 1L, 3_000);   // late record: stream time stays 31 000, no punctuation
            assertTrue(out.isEmpty());
            assertEquals(31_000, d.streamTime(new TaskId(0, 0)));
            assertEquals(Map.of("a", 6L, "b", 4L, "c", 9L), new TreeMap<>(d.storeContents("totals")));
        }
    }

    @Test
    void wallClockPunctuationFollowsTheDriversClock() {
        try (StreamsTestDriver d = new StreamsTestDriver(topology(), Map.of(StreamsTestDriver.PARTITIONS, 2))) {
            TestOutputTopic<String, String> out = d.outputTopic("out", Serdes.string(), Serdes.string());
            d.advanceWallClockTime(Duration.ofSeconds(59));
            assertTrue(out.isEmpty());
            d.advanceWallClockTime(Duration.ofSeconds(1));
            assertEquals(List.of(KeyValue.pair("tick", "0_0@60000"), KeyValue.pair("tick", "0_1@60000")),
                    out.readKeyValuesToList());
            d.advanceWallClockTime(Duration.ofMinutes(5)); // once, not five times
            assertEquals(2, out.readKeyValuesToList().size());
        }
    }

    @Test
    void processWithAStoreAfterAKeyChangeRepartitionsFirst() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        b.addStore(With.as("totals", Serdes.string(), Serdes.longs()));
        b.<String, Long>stream("amounts").selectKey((k, v) -> k.toUpperCase())
                .process("totals-processor", Totals::new, "totals");
        Topology t = b.build();
        assertEquals(java.util.Set.of("totals-processor-repartition"), t.repartitionTopics());
        try (StreamsTestDriver d = new StreamsTestDriver(t)) {
            TestInputTopic<String, Long> in = d.inputTopic("amounts", Serdes.string(), Serdes.longs());
            in.pipeInput("x", 1L, 1);
            in.pipeInput("X", 2L, 2);
            in.pipeInput("y", 5L, 3);
            assertEquals(Map.of("X", 3L, "Y", 5L), new TreeMap<>(d.storeContents("totals")));
        }
    }

    @Test
    void undefinedStoresAreNamed() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.<String, Long>stream("amounts").process(Totals::new, "nope"));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }
}
