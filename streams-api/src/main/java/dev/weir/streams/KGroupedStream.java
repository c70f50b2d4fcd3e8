package dev.weir.streams;

import dev.weir.streams.internal.Change;
import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeContext;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.internal.Rec;
import dev.weir.streams.internal.StoreSpec;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.state.KeyValueStore;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * A stream grouped by key, ready to aggregate into a {@link KTable}. Records with a null key or a null
 * value are skipped by every aggregation (as in Kafka Streams). If the grouping changed the key, the
 * aggregation first repartitions through {@code <application.id>-<name>-repartition}, where name is
 * the grouping's name, else the aggregation's.
 */
public final class KGroupedStream<K, V> {
    private final StreamsBuilder builder;
    private final String node;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final boolean repartitionRequired;
    private final String groupName;

    KGroupedStream(StreamsBuilder builder, String node, Serde<K> keySerde, Serde<V> valueSerde,
                   boolean repartitionRequired, String groupName) {
        this.builder = builder;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.repartitionRequired = repartitionRequired;
        this.groupName = groupName;
    }

    /** Where an aggregation attaches: here, or behind a repartition if the key was changed. */
    String aggregationParent(String aggregationName, String op, Serde<K> ks) {
        if (!repartitionRequired) {
            return node;
        }
        String base = groupName != null ? groupName : aggregationName;
        return builder.repartition(node, base, op + " after a key change", ks, valueSerde);
    }

    StreamsBuilder builder() {
        return builder;
    }

    Serde<K> keySerde() {
        return keySerde;
    }

    Serde<V> valueSerde() {
        return valueSerde;
    }

    /** Aggregates per key and time window; see {@link TimeWindowedKStream}. */
    public TimeWindowedKStream<K, V> windowedBy(TimeWindows windows) {
        return new TimeWindowedKStream<>(this, windows, false);
    }

    public KTable<K, Long> count() {
        return count(With.none());
    }

    public KTable<K, Long> count(String name) {
        return count(With.as(name));
    }

    /** Counts records per key; the store's value serde is always longs. */
    public KTable<K, Long> count(With<K, Long> with) {
        return aggregate(() -> 0L, (k, v, n) -> n + 1, With.<K, Long>as(with.name())
                .withKeySerde(with.keySerde()).withValueSerde(Serdes.longs()).withStoreType(with.storeType()), "COUNT");
    }

    public KTable<K, V> reduce(BinaryOperator<V> reducer) {
        return reduce(reducer, With.none());
    }

    /** Combines values per key; the first value of a key is its initial aggregate. */
    public KTable<K, V> reduce(BinaryOperator<V> reducer, With<K, V> with) {
        With<K, V> w = with.valueSerde() == null ? with.withValueSerde(valueSerde) : with;
        return aggregate(() -> null, (k, v, agg) -> agg == null ? v : reducer.apply(agg, v), w, "REDUCE");
    }

    public <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator) {
        return aggregate(initializer, aggregator, With.none());
    }

    /** Folds values per key into an aggregate that starts from {@code initializer}. */
    public <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                      With<K, A> with) {
        return aggregate(initializer, aggregator, with, "AGGREGATE");
    }

    @SuppressWarnings("unchecked")
    private <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                       With<K, A> with, String kind) {
        String op = kind.toLowerCase(java.util.Locale.ROOT) + "()";
        String storeName = builder.storeName(with.name(), op);
        Serde<K> ks = with.keySerde() != null ? with.keySerde() : keySerde;
        Serde<A> as = builder.valueSerde(with.valueSerde(), storeName);
        String parent = aggregationParent(with.name(), op, ks);
        builder.graph.addStore(new StoreSpec(storeName, ks, as, with.storeType()));
        String name = builder.graph.name(with.name(), "KSTREAM-" + kind);
        builder.graph.add(new Node.Processor(name, kind, () -> new NodeProcessor() {
            private KeyValueStore<Object, Object> store;

            @Override
            public void init(NodeContext ctx) {
                store = ctx.store(storeName);
            }

            @Override
            public void process(Rec r, NodeContext ctx) {
                if (r.key() == null || r.value() == null) {
                    return;
                }
                A old = (A) store.get(r.key());
                A start = old != null ? old : initializer.get();
                A updated = aggregator.apply((K) r.key(), (V) r.value(), start);
                store.put(r.key(), updated);
                ctx.forward(r.withValue(new Change(updated, old)));
            }
        }, List.of(storeName)), parent);
        return new KTable<>(builder, name, ks, as, storeName);
    }
}
