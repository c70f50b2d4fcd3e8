package dev.weir.streams.internal;

import dev.weir.streams.TimestampExtractor;
import dev.weir.streams.TopicNameExtractor;
import dev.weir.streams.serde.Serde;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** A node of a topology graph: where records enter, are processed, or leave. Immutable. */
public sealed interface Node {
    String name();

    /**
     * Reads topics (by name or pattern). Internal topics are named without the application id; the
     * runtime prefixes it.
     */
    record Source(String name, List<String> topics, Pattern pattern, Serde<?> keySerde, Serde<?> valueSerde,
                  boolean internal, TimestampExtractor<Object, Object> timestampExtractor) implements Node {
    }

    /** A processor; {@code kind} is what describe() shows (FILTER, AGGREGATE, ...). */
    record Processor(String name, String kind, Supplier<NodeProcessor> supplier, List<String> stores)
            implements Node {
    }

    /** Writes to a fixed topic or to one chosen per record (then {@code topic} is null). */
    record Sink(String name, String topic, TopicNameExtractor<Object, Object> extractor, Serde<?> keySerde,
                Serde<?> valueSerde, boolean internal) implements Node {
    }
}
