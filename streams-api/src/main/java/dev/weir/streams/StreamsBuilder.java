package dev.weir.streams;

import dev.weir.streams.internal.Change;
import dev.weir.streams.internal.GraphBuilder;
import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeContext;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.internal.Rec;
import dev.weir.streams.internal.StoreSpec;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.state.KeyValueStore;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Builds a {@link Topology} with the DSL: start from {@link #stream} or {@link #table}, chain
 * operations, then {@link #build()}. Default serdes are given once here and apply wherever an
 * operation does not name its own.
 *
 * <pre>{@code
 * StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
 * b.<String, String>stream("lines")
 *  .flatMapValues(line -> List.of(line.split(" ")))
 *  .groupBy((k, word) -> word, With.as("words"))
 *  .count(With.as("word-counts"))
 *  .toStream()
 *  .to("counts", With.serdes(Serdes.string(), Serdes.longs()));
 * }</pre>
 *
 * Not thread-safe; build on one thread.
 */
public final class StreamsBuilder {
    final GraphBuilder graph = new GraphBuilder();
    private final Serde<?> defaultKeySerde;
    private final Serde<?> defaultValueSerde;
    private boolean requireNames;

    /** A builder without default serdes: every source, sink and store must then name its serdes. */
    public StreamsBuilder() {
        this(null, null);
    }

    public StreamsBuilder(Serde<?> defaultKeySerde, Serde<?> defaultValueSerde) {
        this.defaultKeySerde = defaultKeySerde;
        this.defaultValueSerde = defaultValueSerde;
    }

    /**
     * Makes {@link #build()} fail, listing every stateful operator whose store or internal topic name
     * would be generated (Kafka Streams' {@code ensure.explicit.internal.resource.naming}). Generated
     * names embed an operator index, so an unrelated change to the topology renames them and orphans
     * their state.
     */
    public StreamsBuilder requireExplicitNames() {
        this.requireNames = true;
        return this;
    }

    public <K, V> KStream<K, V> stream(String... topics) {
        return stream(Arrays.asList(topics), With.none());
    }

    public <K, V> KStream<K, V> stream(String topic, With<K, V> with) {
        return stream(List.of(topic), with);
    }

    public <K, V> KStream<K, V> stream(List<String> topics, With<K, V> with) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("stream() needs at least one topic");
        }
        String name = graph.name(with.name(), "KSTREAM-SOURCE");
        Serde<K> ks = keySerde(with.keySerde(), name);
        Serde<V> vs = valueSerde(with.valueSerde(), name);
        graph.add(new Node.Source(name, List.copyOf(topics), null, ks, vs, false, extractor(with)));
        return new KStream<>(this, name, ks, vs, false);
    }

    /** A stream of every topic whose name matches the pattern (when the application starts). */
    public <K, V> KStream<K, V> stream(Pattern pattern, With<K, V> with) {
        String name = graph.name(with.name(), "KSTREAM-SOURCE");
        Serde<K> ks = keySerde(with.keySerde(), name);
        Serde<V> vs = valueSerde(with.valueSerde(), name);
        graph.add(new Node.Source(name, List.of(), pattern, ks, vs, false, extractor(with)));
        return new KStream<>(this, name, ks, vs, false);
    }

    public <K, V> KTable<K, V> table(String topic) {
        return table(topic, With.none());
    }

    /**
     * A table of the topic's latest value per key (null = delete), materialized in a store named by
     * {@code with.name()}.
     */
    public <K, V> KTable<K, V> table(String topic, With<K, V> with) {
        String sourceName = graph.name(with.name() == null ? null : with.name() + "-source", "KTABLE-SOURCE");
        String storeName = storeName(with.name(), "table(" + topic + ")");
        Serde<K> ks = keySerde(with.keySerde(), sourceName);
        Serde<V> vs = valueSerde(with.valueSerde(), sourceName);
        graph.add(new Node.Source(sourceName, List.of(topic), null, ks, vs, false, extractor(with)));
        graph.addStore(new StoreSpec(storeName, ks, vs, with.storeType()));
        String procName = graph.name(with.name(), "KTABLE-MATERIALIZE");
        graph.add(new Node.Processor(procName, "TABLE-SOURCE", () -> new NodeProcessor() {
            private KeyValueStore<Object, Object> store;

            @Override
            public void init(NodeContext ctx) {
                store = ctx.store(storeName);
            }

            @Override
            public void process(Rec r, NodeContext ctx) {
                if (r.key() == null) {
                    return;
                }
                Object old = store.get(r.key());
                store.put(r.key(), r.value());
                ctx.forward(r.withValue(new Change(r.value(), old)));
            }
        }, List.of(storeName)), sourceName);
        return new KTable<>(this, procName, ks, vs, storeName);
    }

    /**
     * Adds a key-value store for {@code KStream.process} to use (name required); it is logged to
     * {@code <application.id>-<name>-changelog} like every store.
     */
    public <K, V> StreamsBuilder addStore(With<K, V> with) {
        if (with.name() == null) {
            throw new IllegalArgumentException("addStore needs a name: With.as(name, keySerde, valueSerde)");
        }
        graph.addStore(new StoreSpec(with.name(), keySerde(with.keySerde(), "store " + with.name()),
                valueSerde(with.valueSerde(), "store " + with.name()), with.storeType()));
        return this;
    }

    public Topology build() {
        if (requireNames && !graph.unnamed.isEmpty()) {
            throw new IllegalStateException("explicit names are required (requireExplicitNames) but "
                    + graph.unnamed.size() + " stateful operator(s) have generated names; name each with"
                    + " With.as(...):\n  " + String.join("\n  ", graph.unnamed));
        }
        return new Topology(graph);
    }

    // ---- shared by the DSL classes

    @SuppressWarnings("unchecked")
    private static TimestampExtractor<Object, Object> extractor(With<?, ?> with) {
        return (TimestampExtractor<Object, Object>) with.timestampExtractor();
    }

    /**
     * Adds a sink to {@code <base>-repartition} under {@code parent} and a source reading it back (the
     * start of a new sub-topology); returns the source's name. {@code base} is the given name or a
     * generated one (then recorded as unnamed).
     */
    String repartition(String parent, String given, String operation, Serde<?> ks, Serde<?> vs) {
        String base = given != null ? given : graph.name(null, "KSTREAM-REPARTITION");
        if (given == null) {
            graph.unnamed.add(operation + ": repartition topic '" + base + "-repartition'");
        }
        String topic = base + "-repartition";
        graph.addRepartitionTopic(topic);
        graph.add(new Node.Sink(base + "-repartition-sink", topic, null, ks, vs, true), parent);
        String source = base + "-repartition-source";
        graph.add(new Node.Source(source, List.of(topic), null, ks, vs, true, null));
        return source;
    }

    String storeName(String given, String operation) {
        String name = graph.name(given, "KSTREAM-STATE-STORE");
        if (given == null) {
            graph.unnamed.add(operation + ": store '" + name + "' (changelog '" + name + "-changelog')");
        }
        return name;
    }

    @SuppressWarnings("unchecked")
    <K> Serde<K> keySerde(Serde<K> given, String operation) {
        return given != null ? given : defaultKeySerde != null ? (Serde<K>) defaultKeySerde
                : missing("key", operation);
    }

    @SuppressWarnings("unchecked")
    <V> Serde<V> valueSerde(Serde<V> given, String operation) {
        return given != null ? given : defaultValueSerde != null ? (Serde<V>) defaultValueSerde
                : missing("value", operation);
    }

    /** A serde that fails when used, so topologies whose records never need (de)serializing still build. */
    private static <T> Serde<T> missing(String which, String operation) {
        return new Serde<>() {
            @Override
            public byte[] serialize(String topic, T value) {
                throw fail(topic);
            }

            @Override
            public T deserialize(String topic, byte[] bytes) {
                throw fail(topic);
            }

            private IllegalStateException fail(String topic) {
                return new IllegalStateException("no " + which + " serde for '" + operation + "' (topic " + topic
                        + "): give one with With.serdes(...) or as a default in new StreamsBuilder(keySerde, valueSerde)");
            }

            @Override
            public String toString() {
                return "<no " + which + " serde>";
            }
        };
    }
}
