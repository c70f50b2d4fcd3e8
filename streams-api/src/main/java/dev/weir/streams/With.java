package dev.weir.streams;

import dev.weir.streams.serde.Serde;
import dev.weir.streams.state.StoreType;

/**
 * The options of one operation, all optional: its name, its key and value serdes (overriding the
 * builder's defaults), for stateful operations the store type, for sources a timestamp extractor. One small value replaces Kafka
 * Streams' {@code Named}, {@code Consumed}, {@code Produced}, {@code Grouped} and {@code Materialized}.
 *
 * <p>The name of a stateful operation names its store ({@code <application.id>-<name>-changelog}) and,
 * when the operation needs a repartition, its repartition topic ({@code <application.id>-<name>-repartition});
 * the name of a grouping names the repartition topic. Names keep internal topics stable when the
 * topology changes.
 *
 * <pre>{@code
 * stream.groupByKey().count(With.as("counts"));
 * builder.stream("orders", With.serdes(Serdes.string(), Serdes.json(Order.class)));
 * }</pre>
 */
public record With<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, StoreType storeType,
                         TimestampExtractor<K, V> timestampExtractor) {
    public static <K, V> With<K, V> as(String name) {
        return new With<>(name, null, null, null, null);
    }

    public static <K, V> With<K, V> serdes(Serde<K> keySerde, Serde<V> valueSerde) {
        return new With<>(null, keySerde, valueSerde, null, null);
    }

    public static <K, V> With<K, V> as(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        return new With<>(name, keySerde, valueSerde, null, null);
    }

    public static <K, V> With<K, V> none() {
        return new With<>(null, null, null, null, null);
    }

    public With<K, V> withName(String newName) {
        return new With<>(newName, keySerde, valueSerde, storeType, timestampExtractor);
    }

    public With<K, V> withKeySerde(Serde<K> serde) {
        return new With<>(name, serde, valueSerde, storeType, timestampExtractor);
    }

    public With<K, V> withValueSerde(Serde<V> serde) {
        return new With<>(name, keySerde, serde, storeType, timestampExtractor);
    }

    /** For sources ({@code stream}, {@code table}): the event time of each record. */
    public With<K, V> withTimestampExtractor(TimestampExtractor<K, V> extractor) {
        return new With<>(name, keySerde, valueSerde, storeType, extractor);
    }

    public With<K, V> withStoreType(StoreType type) {
        return new With<>(name, keySerde, valueSerde, type, timestampExtractor);
    }
}
