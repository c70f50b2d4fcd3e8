package dev.weir.streams.internal;

import dev.weir.streams.KeyValue;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.state.BytesStore;
import dev.weir.streams.state.KeyValueIterator;
import dev.weir.streams.state.KeyValueStore;

/**
 * A typed {@link KeyValueStore} over a {@link BytesStore}: serializes with the store's serdes and
 * hands every write to the changelog logger (so the changelog holds exactly the bytes the store holds).
 */
public final class TypedStore<K, V> implements KeyValueStore<K, V> {
    /** Receives each write; null value = tombstone. */
    public interface ChangeLogger {
        void log(byte[] key, byte[] value, long timestamp);
    }

    private final BytesStore bytes;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final String topic;
    private final ChangeLogger logger;
    private final java.util.function.LongSupplier timestamp;

    public TypedStore(BytesStore bytes, Serde<K> keySerde, Serde<V> valueSerde, String changelogTopic,
                      ChangeLogger logger, java.util.function.LongSupplier timestamp) {
        this.bytes = bytes;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.topic = changelogTopic;
        this.logger = logger;
        this.timestamp = timestamp;
    }

    public BytesStore bytes() {
        return bytes;
    }

    @Override
    public String name() {
        return bytes.name();
    }

    @Override
    public V get(K key) {
        return valueSerde.deserialize(topic, bytes.get(keySerde.serialize(topic, key)));
    }

    @Override
    public void put(K key, V value) {
        byte[] k = keySerde.serialize(topic, key);
        byte[] v = valueSerde.serialize(topic, value);
        bytes.put(k, v);
        logger.log(k, v, timestamp.getAsLong());
    }

    @Override
    public V delete(K key) {
        V old = get(key);
        put(key, null);
        return old;
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        KeyValueIterator<byte[], byte[]> it = bytes.range(from == null ? null : keySerde.serialize(topic, from),
                to == null ? null : keySerde.serialize(topic, to));
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<K, V> next() {
                KeyValue<byte[], byte[]> kv = it.next();
                return new KeyValue<>(keySerde.deserialize(topic, kv.key()), valueSerde.deserialize(topic, kv.value()));
            }

            @Override
            public void close() {
                it.close();
            }
        };
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return range(null, null);
    }

    @Override
    public long approximateNumEntries() {
        return bytes.approximateNumEntries();
    }
}
