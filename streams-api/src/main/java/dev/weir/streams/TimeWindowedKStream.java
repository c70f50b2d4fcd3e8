package dev.weir.streams;

import dev.weir.streams.internal.Change;
import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeContext;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.internal.Rec;
import dev.weir.streams.internal.StoreSpec;
import dev.weir.streams.internal.WindowStoreKeySerde;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.state.KeyValueIterator;
import dev.weir.streams.state.KeyValueStore;
import java.time.Duration;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * A grouped stream aggregated per key and time window into a {@code KTable<Windowed<K>, A>}. By
 * default every update of a window is emitted; {@link #emitOnWindowClose()} emits one final result per
 * window when the task's stream time passes {@code window end + grace} (Kafka Streams'
 * {@code suppress(untilWindowCloses)}). A record whose windows have all closed is dropped and counted.
 * Closed windows are deleted from the store (a tombstone in its changelog), so the store holds only
 * open windows: retention is size + grace.
 */
public final class TimeWindowedKStream<K, V> {
    private final KGroupedStream<K, V> grouped;
    private final TimeWindows windows;
    private final boolean emitFinal;

    TimeWindowedKStream(KGroupedStream<K, V> grouped, TimeWindows windows, boolean emitFinal) {
        this.grouped = grouped;
        this.windows = windows;
        this.emitFinal = emitFinal;
    }

    /** Emit only each window's final result, once, when it closes. */
    public TimeWindowedKStream<K, V> emitOnWindowClose() {
        return new TimeWindowedKStream<>(grouped, windows, true);
    }

    public KTable<Windowed<K>, Long> count(With<K, Long> with) {
        return aggregate(() -> 0L, (k, v, n) -> n + 1, With.<K, Long>as(with.name())
                .withKeySerde(with.keySerde()).withValueSerde(Serdes.longs()).withStoreType(with.storeType()), "COUNT");
    }

    public KTable<Windowed<K>, V> reduce(BinaryOperator<V> reducer, With<K, V> with) {
        With<K, V> w = with.valueSerde() == null ? with.withValueSerde(grouped.valueSerde()) : with;
        return aggregate(() -> null, (k, v, agg) -> agg == null ? v : reducer.apply(agg, v), w, "REDUCE");
    }

    public <A> KTable<Windowed<K>, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                                With<K, A> with) {
        return aggregate(initializer, aggregator, with, "AGGREGATE");
    }

    @SuppressWarnings("unchecked")
    private <A> KTable<Windowed<K>, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
                                                 With<K, A> with, String kind) {
        StreamsBuilder builder = grouped.builder();
        String op = "windowed " + kind.toLowerCase(java.util.Locale.ROOT) + "()";
        String storeName = builder.storeName(with.name(), op);
        Serde<K> ks = with.keySerde() != null ? with.keySerde() : grouped.keySerde();
        Serde<A> as = builder.valueSerde(with.valueSerde(), storeName);
        String parent = grouped.aggregationParent(with.name(), op, ks);
        builder.graph.addStore(new StoreSpec(storeName, new WindowStoreKeySerde<>(ks, windows.sizeMs()), as,
                with.storeType()));
        String name = builder.graph.name(with.name(), "KSTREAM-WINDOWED-" + kind);
        TimeWindows w = windows;
        boolean onClose = emitFinal;
        builder.graph.add(new Node.Processor(name, "WINDOWED-" + kind + (onClose ? " (emit on close)" : ""),
                () -> new NodeProcessor() {
                    private KeyValueStore<Windowed<Object>, Object> store;

                    @Override
                    public void init(NodeContext ctx) {
                        store = ctx.store(storeName);
                    }

                    @Override
                    public void process(Rec r, NodeContext ctx) {
                        if (r.key() == null || r.value() == null) {
                            return;
                        }
                        long streamTime = ctx.streamTime();
                        boolean counted = false;
                        for (long start : w.windowStartsFor(r.timestamp())) {
                            long end = start + w.sizeMs();
                            if (end + w.graceMs() <= streamTime) {
                                continue; // this window has closed
                            }
                            counted = true;
                            Windowed<Object> wk = new Windowed<>(r.key(), start, end);
                            A old = (A) store.get(wk);
                            A updated = aggregator.apply((K) r.key(), (V) r.value(), old != null ? old : initializer.get());
                            store.put(wk, updated);
                            if (!onClose) {
                                ctx.forward(new Rec(wk, new Change(updated, old), r.timestamp()));
                            }
                        }
                        if (!counted) {
                            ctx.recordLateDrop();
                        }
                        closeWindows(streamTime, ctx);
                    }

                    /** Emits (if final results only) and deletes every window with end + grace <= stream time. */
                    private void closeWindows(long streamTime, NodeContext ctx) {
                        long lastClosedStart = streamTime - w.graceMs() - w.sizeMs();
                        try (KeyValueIterator<Windowed<Object>, Object> it = store.all()) {
                            while (it.hasNext()) {
                                KeyValue<Windowed<Object>, Object> kv = it.next();
                                if (kv.key().start() > lastClosedStart) {
                                    break; // time-ordered: the rest are open
                                }
                                if (onClose) {
                                    ctx.forward(new Rec(kv.key(), new Change(kv.value(), null), kv.key().end() - 1));
                                }
                                store.put(kv.key(), null);
                            }
                        }
                    }
                }, List.of(storeName)), parent);
        return new KTable<>(builder, name, Serdes.windowed(ks, Duration.ofMillis(windows.sizeMs())), as, storeName);
    }
}
