package dev.weir.streams;

import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeContext;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.internal.ProcessorAdapter;
import dev.weir.streams.internal.Rec;
import dev.weir.streams.processor.Processor;
import dev.weir.streams.serde.Serde;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A stream of records, each an independent event. Operations return new streams; nothing runs until
 * the built topology is started. Every operation takes an optional name (used in {@code describe()}
 * and, for stateful ones, in store and internal topic names).
 *
 * <p>Key-changing operations ({@link #map}, {@link #flatMap}, {@link #selectKey}) mark the stream: the
 * next stateful operation first repartitions it by the new key through an internal topic, so records
 * with equal keys meet in the same task. Value-only operations keep the partitioning.
 */
public final class KStream<K, V> {
    final StreamsBuilder builder;
    final String node;
    final Serde<K> keySerde;
    final Serde<V> valueSerde;
    final boolean repartitionRequired;

    KStream(StreamsBuilder builder, String node, Serde<K> keySerde, Serde<V> valueSerde,
            boolean repartitionRequired) {
        this.builder = builder;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.repartitionRequired = repartitionRequired;
    }

    /** The name of the node this stream comes out of. */
    public String nodeName() {
        return node;
    }

    private String add(String given, String prefix, String kind, NodeProcessor fn) {
        String name = builder.graph.name(given, prefix);
        builder.graph.add(new Node.Processor(name, kind, () -> fn, List.of()), node);
        return name;
    }

    public KStream<K, V> filter(BiPredicate<? super K, ? super V> predicate) {
        return filter(predicate, null);
    }

    @SuppressWarnings("unchecked")
    public KStream<K, V> filter(BiPredicate<? super K, ? super V> predicate, String name) {
        String n = add(name, "KSTREAM-FILTER", "FILTER", (r, ctx) -> {
            if (predicate.test((K) r.key(), (V) r.value())) {
                ctx.forward(r);
            }
        });
        return new KStream<>(builder, n, keySerde, valueSerde, repartitionRequired);
    }

    public KStream<K, V> filterNot(BiPredicate<? super K, ? super V> predicate) {
        return filterNot(predicate, null);
    }

    public KStream<K, V> filterNot(BiPredicate<? super K, ? super V> predicate, String name) {
        return filter((k, v) -> !predicate.test(k, v), name == null ? builder.graph.name(null, "KSTREAM-FILTERNOT") : name);
    }

    public <KR, VR> KStream<KR, VR> map(BiFunction<? super K, ? super V, KeyValue<KR, VR>> mapper) {
        return map(mapper, null);
    }

    @SuppressWarnings("unchecked")
    public <KR, VR> KStream<KR, VR> map(BiFunction<? super K, ? super V, KeyValue<KR, VR>> mapper, String name) {
        String n = add(name, "KSTREAM-MAP", "MAP", (r, ctx) -> {
            KeyValue<KR, VR> kv = mapper.apply((K) r.key(), (V) r.value());
            ctx.forward(new Rec(kv.key(), kv.value(), r.timestamp()));
        });
        return new KStream<>(builder, n, builder.keySerde(null, n), builder.valueSerde(null, n), true);
    }

    public <VR> KStream<K, VR> mapValues(Function<? super V, ? extends VR> mapper) {
        return mapValues(mapper, null);
    }

    @SuppressWarnings("unchecked")
    public <VR> KStream<K, VR> mapValues(Function<? super V, ? extends VR> mapper, String name) {
        String n = add(name, "KSTREAM-MAPVALUES", "MAPVALUES",
                (r, ctx) -> ctx.forward(r.withValue(mapper.apply((V) r.value()))));
        return new KStream<>(builder, n, keySerde, builder.valueSerde(null, n), repartitionRequired);
    }

    public <KR, VR> KStream<KR, VR> flatMap(
            BiFunction<? super K, ? super V, ? extends Iterable<KeyValue<KR, VR>>> mapper) {
        return flatMap(mapper, null);
    }

    @SuppressWarnings("unchecked")
    public <KR, VR> KStream<KR, VR> flatMap(
            BiFunction<? super K, ? super V, ? extends Iterable<KeyValue<KR, VR>>> mapper, String name) {
        String n = add(name, "KSTREAM-FLATMAP", "FLATMAP", (r, ctx) -> {
            for (KeyValue<KR, VR> kv : mapper.apply((K) r.key(), (V) r.value())) {
                ctx.forward(new Rec(kv.key(), kv.value(), r.timestamp()));
            }
        });
        return new KStream<>(builder, n, builder.keySerde(null, n), builder.valueSerde(null, n), true);
    }

    public <VR> KStream<K, VR> flatMapValues(Function<? super V, ? extends Iterable<? extends VR>> mapper) {
        return flatMapValues(mapper, null);
    }

    @SuppressWarnings("unchecked")
    public <VR> KStream<K, VR> flatMapValues(Function<? super V, ? extends Iterable<? extends VR>> mapper,
                                             String name) {
        String n = add(name, "KSTREAM-FLATMAPVALUES", "FLATMAPVALUES", (r, ctx) -> {
            for (VR v : mapper.apply((V) r.value())) {
                ctx.forward(r.withValue(v));
            }
        });
        return new KStream<>(builder, n, keySerde, builder.valueSerde(null, n), repartitionRequired);
    }

    public <KR> KStream<KR, V> selectKey(BiFunction<? super K, ? super V, ? extends KR> keySelector) {
        return selectKey(keySelector, null);
    }

    @SuppressWarnings("unchecked")
    public <KR> KStream<KR, V> selectKey(BiFunction<? super K, ? super V, ? extends KR> keySelector, String name) {
        String n = add(name, "KSTREAM-KEY-SELECT", "SELECTKEY",
                (r, ctx) -> ctx.forward(r.withKey(keySelector.apply((K) r.key(), (V) r.value()))));
        return new KStream<>(builder, n, builder.keySerde(null, n), valueSerde, true);
    }

    public KStream<K, V> peek(BiConsumer<? super K, ? super V> action) {
        return peek(action, null);
    }

    @SuppressWarnings("unchecked")
    public KStream<K, V> peek(BiConsumer<? super K, ? super V> action, String name) {
        String n = add(name, "KSTREAM-PEEK", "PEEK", (r, ctx) -> {
            action.accept((K) r.key(), (V) r.value());
            ctx.forward(r);
        });
        return new KStream<>(builder, n, keySerde, valueSerde, repartitionRequired);
    }

    public KStream<K, V> merge(KStream<K, V> other) {
        return merge(other, null);
    }

    public KStream<K, V> merge(KStream<K, V> other, String name) {
        if (other.builder != builder) {
            throw new IllegalArgumentException("merge: the streams come from different builders");
        }
        String n = builder.graph.name(name, "KSTREAM-MERGE");
        builder.graph.add(new Node.Processor(n, "MERGE", () -> (r, ctx) -> ctx.forward(r), List.of()), node, other.node);
        return new KStream<>(builder, n, keySerde == other.keySerde ? keySerde : builder.keySerde(null, n),
                valueSerde == other.valueSerde ? valueSerde : builder.valueSerde(null, n),
                repartitionRequired || other.repartitionRequired);
    }

    /** Splits into named branches; see {@link BranchedStream}. Branch streams are named prefix + branch name. */
    public BranchedStream<K, V> split() {
        return split(null);
    }

    public BranchedStream<K, V> split(String prefix) {
        return new BranchedStream<>(this, prefix);
    }

    public void to(String topic) {
        to(topic, With.none());
    }

    public void to(String topic, With<K, V> with) {
        String n = builder.graph.name(with.name(), "KSTREAM-SINK");
        builder.graph.add(new Node.Sink(n, topic, null, serdeOrMine(with.keySerde(), keySerde),
                serdeOrMine(with.valueSerde(), valueSerde), false), node);
    }

    public void to(TopicNameExtractor<K, V> extractor) {
        to(extractor, With.none());
    }

    /** Writes each record to the topic the extractor chooses for it. */
    @SuppressWarnings("unchecked")
    public void to(TopicNameExtractor<K, V> extractor, With<K, V> with) {
        String n = builder.graph.name(with.name(), "KSTREAM-SINK");
        builder.graph.add(new Node.Sink(n, null, (TopicNameExtractor<Object, Object>) extractor,
                serdeOrMine(with.keySerde(), keySerde), serdeOrMine(with.valueSerde(), valueSerde), false), node);
    }

    /**
     * Repartitions by the current key through {@code <application.id>-<name>-repartition} now, rather
     * than before the next stateful operation.
     */
    public KStream<K, V> repartition(With<K, V> with) {
        Serde<K> ks = serdeOrMine(with.keySerde(), keySerde);
        Serde<V> vs = serdeOrMine(with.valueSerde(), valueSerde);
        String source = builder.repartition(node, with.name(), "repartition()", ks, vs);
        return new KStream<>(builder, source, ks, vs, false);
    }

    public KGroupedStream<K, V> groupByKey() {
        return groupByKey(With.none());
    }

    /** Groups by the current key; the name (and serdes) apply to the repartition topic if one is needed. */
    public KGroupedStream<K, V> groupByKey(With<K, V> with) {
        return new KGroupedStream<>(builder, node, serdeOrMine(with.keySerde(), keySerde),
                serdeOrMine(with.valueSerde(), valueSerde), repartitionRequired, with.name());
    }

    public <KR> KGroupedStream<KR, V> groupBy(BiFunction<? super K, ? super V, ? extends KR> keySelector) {
        return groupBy(keySelector, With.none());
    }

    /** Groups by a new key: the next aggregation repartitions through {@code <name>-repartition}. */
    public <KR> KGroupedStream<KR, V> groupBy(BiFunction<? super K, ? super V, ? extends KR> keySelector,
                                              With<KR, V> with) {
        KStream<KR, V> keyed = selectKey(keySelector, with.name() == null ? null : with.name() + "-key-select");
        return new KGroupedStream<>(builder, keyed.node, builder.keySerde(with.keySerde(), keyed.node),
                serdeOrMine(with.valueSerde(), valueSerde), true, with.name());
    }

    /** Runs a {@link Processor} per task on this stream; see {@link #process(String, Supplier, String...)}. */
    public <KR, VR> KStream<KR, VR> process(Supplier<? extends Processor<K, V, KR, VR>> supplier, String... stores) {
        return process(null, supplier, stores);
    }

    /**
     * Runs a {@link Processor} (a new one per task from the supplier) with access to the named stores,
     * added with {@link StreamsBuilder#addStore}. If the key was changed upstream and the processor
     * uses stores, the stream is first repartitioned by its key (Kafka Streams does not, and such a
     * processor then sees one key in several tasks). The output may have any key, so a later stateful
     * operation repartitions.
     */
    public <KR, VR> KStream<KR, VR> process(String name, Supplier<? extends Processor<K, V, KR, VR>> supplier,
                                            String... stores) {
        for (String s : stores) {
            if (!builder.graph.stores.containsKey(s)) {
                throw new IllegalArgumentException("process() uses store '" + s + "', which is not defined: add it"
                        + " with builder.addStore(With.as(\"" + s + "\", keySerde, valueSerde))");
            }
        }
        String n = builder.graph.name(name, "KSTREAM-PROCESSOR");
        String parent = node;
        if (repartitionRequired && stores.length > 0) {
            parent = builder.repartition(node, name, "process() after a key change", keySerde, valueSerde);
        }
        builder.graph.add(new Node.Processor(n, "PROCESS", () -> new ProcessorAdapter<>(supplier.get()),
                List.of(stores)), parent);
        return new KStream<>(builder, n, builder.keySerde(null, n), builder.valueSerde(null, n), true);
    }

    /**
     * Stream–table inner join: each record is joined with the table's current value for its key;
     * records whose key has no value in the table (or whose key is null) are dropped. The stream and the
     * table must be co-partitioned (same partition count); if this stream's key was changed, it is
     * repartitioned first (through {@code <name>-repartition}). Within a task, records of both inputs
     * are processed in timestamp order, so a record sees the table as of its timestamp as far as the
     * buffered data allows.
     */
    public <TV, VR> KStream<K, VR> join(KTable<K, TV> table, BiFunction<? super V, ? super TV, ? extends VR> joiner,
                                        With<K, V> with) {
        return join(table, joiner, with, false);
    }

    public <TV, VR> KStream<K, VR> join(KTable<K, TV> table, BiFunction<? super V, ? super TV, ? extends VR> joiner) {
        return join(table, joiner, With.none(), false);
    }

    /** Stream–table left join: like {@link #join}, but a record without a table value is joined with null. */
    public <TV, VR> KStream<K, VR> leftJoin(KTable<K, TV> table, BiFunction<? super V, ? super TV, ? extends VR> joiner,
                                            With<K, V> with) {
        return join(table, joiner, with, true);
    }

    public <TV, VR> KStream<K, VR> leftJoin(KTable<K, TV> table, BiFunction<? super V, ? super TV, ? extends VR> joiner) {
        return join(table, joiner, With.none(), true);
    }

    @SuppressWarnings("unchecked")
    private <TV, VR> KStream<K, VR> join(KTable<K, TV> table, BiFunction<? super V, ? super TV, ? extends VR> joiner,
                                         With<K, V> with, boolean left) {
        if (table.builder() != builder) {
            throw new IllegalArgumentException("join: the stream and the table come from different builders");
        }
        String op = left ? "leftJoin()" : "join()";
        String store = table.materialized(with.name() == null ? null : with.name() + "-table", op);
        String parent = node;
        if (repartitionRequired) {
            parent = builder.repartition(node, with.name(), op + " after a key change",
                    serdeOrMine(with.keySerde(), keySerde), serdeOrMine(with.valueSerde(), valueSerde));
        }
        String n = builder.graph.name(with.name(), left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN");
        builder.graph.add(new Node.Processor(n, left ? "LEFTJOIN" : "JOIN", () -> new NodeProcessor() {
            private dev.weir.streams.state.KeyValueStore<Object, Object> values;

            @Override
            public void init(NodeContext ctx) {
                values = ctx.store(store);
            }

            @Override
            public void process(Rec r, NodeContext ctx) {
                if (r.key() == null) {
                    return;
                }
                TV tv = (TV) values.get(r.key());
                if (tv == null && !left) {
                    return;
                }
                ctx.forward(r.withValue(joiner.apply((V) r.value(), tv)));
            }
        }, List.of(store)), parent);
        return new KStream<>(builder, n, keySerde, builder.valueSerde(null, n), false);
    }

    private static <T> Serde<T> serdeOrMine(Serde<T> given, Serde<T> mine) {
        return given != null ? given : mine;
    }
}
