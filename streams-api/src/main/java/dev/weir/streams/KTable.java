package dev.weir.streams;

import dev.weir.streams.internal.Change;
import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.serde.Serde;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * A changelog seen as a table: the latest value per key, where a null value deletes the key. Each
 * update flows downstream with the value it replaced, so derived tables stay consistent (a filter
 * that stops matching emits a deletion).
 */
public final class KTable<K, V> {
    private final StreamsBuilder builder;
    private final String node;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final String storeName;

    KTable(StreamsBuilder builder, String node, Serde<K> keySerde, Serde<V> valueSerde, String storeName) {
        this.builder = builder;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.storeName = storeName;
    }

    StreamsBuilder builder() {
        return builder;
    }

    /**
     * The store holding this table, materializing it first if it is computed on the fly (a filter or
     * mapValues of another table): a store named {@code name} (or a generated one) fed by this table's
     * updates.
     */
    String materialized(String name, String operation) {
        if (storeName != null) {
            return storeName;
        }
        String store = builder.storeName(name, operation + ": materialized table");
        builder.graph.addStore(new dev.weir.streams.internal.StoreSpec(store, keySerde, valueSerde, null));
        String n = builder.graph.name(name == null ? null : name + "-materialize", "KTABLE-MATERIALIZE");
        builder.graph.add(new Node.Processor(n, "TABLE-MATERIALIZE", () -> new NodeProcessor() {
            private dev.weir.streams.state.KeyValueStore<Object, Object> s;

            @Override
            public void init(dev.weir.streams.internal.NodeContext ctx) {
                s = ctx.store(store);
            }

            @Override
            public void process(dev.weir.streams.internal.Rec r, dev.weir.streams.internal.NodeContext ctx) {
                s.put(r.key(), ((Change) r.value()).newValue());
            }
        }, List.of(store)), node);
        return store;
    }

    /** The store that holds this table, or null if the table is computed on the fly from its parent. */
    public String storeName() {
        return storeName;
    }

    public String nodeName() {
        return node;
    }

    public KTable<K, V> filter(BiPredicate<? super K, ? super V> predicate) {
        return filter(predicate, null);
    }

    /** Keeps rows that match; a row that stops matching is deleted downstream. */
    @SuppressWarnings("unchecked")
    public KTable<K, V> filter(BiPredicate<? super K, ? super V> predicate, String name) {
        String n = builder.graph.name(name, "KTABLE-FILTER");
        builder.graph.add(new Node.Processor(n, "TABLE-FILTER", () -> (NodeProcessor) (r, ctx) -> {
            Change c = (Change) r.value();
            Object nv = c.newValue() != null && predicate.test((K) r.key(), (V) c.newValue()) ? c.newValue() : null;
            Object ov = c.oldValue() != null && predicate.test((K) r.key(), (V) c.oldValue()) ? c.oldValue() : null;
            if (nv != null || ov != null) {
                ctx.forward(r.withValue(new Change(nv, ov)));
            }
        }, List.of()), node);
        return new KTable<>(builder, n, keySerde, valueSerde, null);
    }

    public KTable<K, V> filterNot(BiPredicate<? super K, ? super V> predicate) {
        return filter((k, v) -> !predicate.test(k, v), null);
    }

    public KTable<K, V> filterNot(BiPredicate<? super K, ? super V> predicate, String name) {
        return filter((k, v) -> !predicate.test(k, v), name);
    }

    public <VR> KTable<K, VR> mapValues(Function<? super V, ? extends VR> mapper) {
        return mapValues(mapper, null);
    }

    @SuppressWarnings("unchecked")
    public <VR> KTable<K, VR> mapValues(Function<? super V, ? extends VR> mapper, String name) {
        String n = builder.graph.name(name, "KTABLE-MAPVALUES");
        builder.graph.add(new Node.Processor(n, "TABLE-MAPVALUES", () -> (NodeProcessor) (r, ctx) -> {
            Change c = (Change) r.value();
            ctx.forward(r.withValue(new Change(c.newValue() == null ? null : mapper.apply((V) c.newValue()),
                    c.oldValue() == null ? null : mapper.apply((V) c.oldValue()))));
        }, List.of()), node);
        return new KTable<>(builder, n, keySerde, builder.valueSerde(null, n), null);
    }

    /**
     * Re-groups the table by a new key (and value): see {@link KGroupedTable}. The name (and serdes)
     * apply to the repartition topic {@code <name>-repartition}.
     */
    @SuppressWarnings("unchecked")
    public <KR, VR> KGroupedTable<KR, VR> groupBy(java.util.function.BiFunction<? super K, ? super V, KeyValue<KR, VR>> selector,
                                                  With<KR, VR> with) {
        String n = builder.graph.name(with.name() == null ? null : with.name() + "-select", "KTABLE-SELECT");
        builder.graph.add(new Node.Processor(n, "TABLE-GROUPBY", () -> (NodeProcessor) (r, ctx) -> {
            Change c = (Change) r.value();
            // Retract first, then add: when the new key equals the old one, the group sees -old then +new.
            if (c.oldValue() != null) {
                KeyValue<KR, VR> kv = selector.apply((K) r.key(), (V) c.oldValue());
                ctx.forward(new dev.weir.streams.internal.Rec(kv.key(),
                        new dev.weir.streams.internal.ChangeSerde.Delta(kv.value(), false), r.timestamp()));
            }
            if (c.newValue() != null) {
                KeyValue<KR, VR> kv = selector.apply((K) r.key(), (V) c.newValue());
                ctx.forward(new dev.weir.streams.internal.Rec(kv.key(),
                        new dev.weir.streams.internal.ChangeSerde.Delta(kv.value(), true), r.timestamp()));
            }
        }, List.of()), node);
        Serde<KR> ks = builder.keySerde(with.keySerde(), n);
        Serde<VR> vs = builder.valueSerde(with.valueSerde(), n);
        String source = builder.repartition(n, with.name(), "table groupBy()", ks,
                new dev.weir.streams.internal.ChangeSerde(vs));
        return new KGroupedTable<>(builder, source);
    }

    public KStream<K, V> toStream() {
        return toStream(null);
    }

    /** The stream of this table's updates: each new value (null for a deletion). */
    public KStream<K, V> toStream(String name) {
        String n = builder.graph.name(name, "KTABLE-TOSTREAM");
        builder.graph.add(new Node.Processor(n, "TOSTREAM", () -> (NodeProcessor) (r, ctx) ->
                ctx.forward(r.withValue(((Change) r.value()).newValue())), List.of()), node);
        return new KStream<>(builder, n, keySerde, valueSerde, false);
    }
}
