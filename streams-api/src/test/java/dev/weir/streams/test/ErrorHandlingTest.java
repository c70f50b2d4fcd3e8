package dev.weir.streams.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.StreamsConfig;
import dev.weir.streams.StreamsException;
import dev.weir.streams.TaskId;
import dev.weir.streams.Topology;
import dev.weir.streams.With;
import dev.weir.streams.serde.Serdes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class ErrorHandlingTest {
    private static Topology sums() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.longs());
        b.<String, Long>stream("nums")
                .mapValues(v -> {
                    if (v == 13L) {
                        throw new IllegalArgumentException("unlucky " + v);
                    }
                    return v;
                }, "check")
                .groupByKey().reduce(Long::sum, With.as("sum"));
        return b.build();
    }

    private static String header(Headers h, String name) {
        return new String(h.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTheRecordsAfterThemAreProcessed() {
        Map<String, Object> cfg = Map.of(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER, "continue",
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER, "org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler",
                StreamsConfig.DEAD_LETTER_QUEUE_TOPIC, "nums-dlq",
                StreamsTestDriver.PARTITIONS, 1);
        try (StreamsTestDriver d = new StreamsTestDriver(sums(), cfg)) {
            TestInputTopic<String, Long> in = d.inputTopic("nums", Serdes.string(), Serdes.longs());
            TestInputTopic<String, String> raw = d.inputTopic("nums", Serdes.string(), Serdes.string());
            in.pipeInput("k", 1L, 1);
            raw.pipeInput("k", "bad", 2);        // offset 1: cannot be read as a long
            in.pipeInput("k", 13L, 3);            // offset 2: the operation throws
            in.pipeInput("k", 5L, 4);
            assertEquals(Map.of("k", 6L), new TreeMap<>(d.storeContents("sum")));
            assertEquals(2, d.skipped(new TaskId(0, 0)));

            List<TestRecord<String, byte[]>> dlq = d.outputTopic("nums-dlq", Serdes.string(), Serdes.bytes())
                    .readRecordsToList();
            assertEquals(2, dlq.size());
            assertArrayEquals("bad".getBytes(StandardCharsets.UTF_8), dlq.get(0).value());
            assertEquals("nums", header(dlq.get(0).headers(), "__streams.errors.topic"));
            assertEquals("1", header(dlq.get(0).headers(), "__streams.errors.offset"));
            assertEquals("org.apache.kafka.common.errors.SerializationException",
                    header(dlq.get(0).headers(), "__streams.errors.exception"));
            assertArrayEquals(Serdes.longs().serialize("t", 13L), dlq.get(1).value());
            assertEquals("2", header(dlq.get(1).headers(), "__streams.errors.offset"));
            assertEquals("java.lang.IllegalArgumentException", header(dlq.get(1).headers(), "__streams.errors.exception"));
            assertEquals("unlucky 13", header(dlq.get(1).headers(), "__streams.errors.message"));
            assertTrue(header(dlq.get(1).headers(), "__streams.errors.stacktrace").contains("ErrorHandlingTest"));
        }
    }

    @Test
    void failIsTheDefaultAndItDeadLettersFirstWhenConfigured() {
        try (StreamsTestDriver d = new StreamsTestDriver(sums(), Map.of(StreamsConfig.DEAD_LETTER_QUEUE_TOPIC, "dlq"))) {
            TestInputTopic<String, Long> in = d.inputTopic("nums", Serdes.string(), Serdes.longs());
            StreamsException e = assertThrows(StreamsException.class, () -> in.pipeInput("k", 13L, 1));
            assertTrue(e.getMessage().contains("unlucky 13"), e.getMessage());
            assertEquals(1, d.outputTopic("dlq", Serdes.string(), Serdes.longs()).readRecordsToList().size());
        }
    }

    @Test
    void handlerValuesAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamsConfig(Map.of(
                StreamsConfig.APPLICATION_ID, "a", StreamsConfig.PROCESSING_EXCEPTION_HANDLER, "ignore")));
        assertTrue(e.getMessage().contains("use fail or continue"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StreamsConfig(Map.of(StreamsConfig.APPLICATION_ID, "a",
                StreamsConfig.PROCESSING_GUARANTEE, StreamsConfig.EXACTLY_ONCE_V2,
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER, "continue")));
    }
}
