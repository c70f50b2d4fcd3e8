package dev.weir.streams;

import dev.weir.streams.internal.Change;
import dev.weir.streams.internal.ChangeSerde;
import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeContext;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.internal.Rec;
import dev.weir.streams.internal.StoreSpec;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.state.KeyValueStore;
import java.util.List;
import java.util.function.Supplier;

/**
 * A table re-grouped by a new key, ready to aggregate. Every update of the source table retracts
 * the row's old contribution from its old group (the subtractor) and adds the new one to its new
 * group (the adder), through {@code <application.id>-<name>-repartition}; so a row that moves (an
 * account changing region) leaves one aggregate and joins another.
 */
public final class KGroupedTable<K, V> {
    private final StreamsBuilder builder;
    private final String repartitionSource;

    KGroupedTable(StreamsBuilder builder, String repartitionSource) {
        this.builder = builder;
        this.repartitionSource = repartitionSource;
    }

    public KTable<K, Long> count(With<K, Long> with) {
        return aggregate(() -> 0L, (k, v, n) -> n + 1, (k, v, n) -> n - 1,
                With.<K, Long>as(with.name()).withKeySerde(with.keySerde()).withValueSerde(Serdes.longs())
                        .withStoreType(with.storeType()), "COUNT");
    }

    /** Folds values per new key: {@code adder} for values entering the group, {@code subtractor} for leaving ones. */
    public <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> adder,
                                      Aggregator<? super K, ? super V, A> subtractor, With<K, A> with) {
        return aggregate(initializer, adder, subtractor, with, "AGGREGATE");
    }

    @SuppressWarnings("unchecked")
    private <A> KTable<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> adder,
                                       Aggregator<? super K, ? super V, A> subtractor, With<K, A> with, String kind) {
        String op = "table " + kind.toLowerCase(java.util.Locale.ROOT) + "()";
        String storeName = builder.storeName(with.name(), op);
        Node.Source src = (Node.Source) builder.graph.nodes.get(repartitionSource);
        Serde<K> ks = with.keySerde() != null ? with.keySerde() : (Serde<K>) src.keySerde();
        Serde<A> as = builder.valueSerde(with.valueSerde(), storeName);
        builder.graph.addStore(new StoreSpec(storeName, ks, as, with.storeType()));
        String name = builder.graph.name(with.name(), "KTABLE-" + kind);
        builder.graph.add(new Node.Processor(name, "TABLE-" + kind, () -> new NodeProcessor() {
            private KeyValueStore<Object, Object> store;

            @Override
            public void init(NodeContext ctx) {
                store = ctx.store(storeName);
            }

            @Override
            public void process(Rec r, NodeContext ctx) {
                ChangeSerde.Delta d = (ChangeSerde.Delta) r.value();
                if (r.key() == null || d == null || d.value() == null) {
                    return;
                }
                A old = (A) store.get(r.key());
                A start = old != null ? old : initializer.get();
                A updated = d.add() ? adder.apply((K) r.key(), (V) d.value(), start)
                        : subtractor.apply((K) r.key(), (V) d.value(), start);
                store.put(r.key(), updated);
                ctx.forward(r.withValue(new Change(updated, old)));
            }
        }, List.of(storeName)), repartitionSource);
        return new KTable<>(builder, name, ks, as, storeName);
    }
}
