package dev.weir.streams.serde;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serializer and deserializer for one type, as a pair. Implementations are thread-safe and
 * stateless after construction; {@code null} always maps to {@code null} both ways (a null value is a
 * tombstone in tables and changelogs).
 *
 * <p>Wraps kafka-clients' {@link Serializer}/{@link Deserializer} so any existing Kafka serde (for
 * example Weir's schema-registry Avro serde) can be used with {@link #of(Serializer, Deserializer)}.
 */
public interface Serde<T> {
    byte[] serialize(String topic, T value);

    T deserialize(String topic, byte[] bytes);

    /** Adapts a kafka-clients serializer/deserializer pair; nulls pass through without calling them. */
    static <T> Serde<T> of(Serializer<T> serializer, Deserializer<T> deserializer) {
        return new Serde<>() {
            @Override
            public byte[] serialize(String topic, T value) {
                return value == null ? null : serializer.serialize(topic, value);
            }

            @Override
            public T deserialize(String topic, byte[] bytes) {
                return bytes == null ? null : deserializer.deserialize(topic, bytes);
            }

            @Override
            public String toString() {
                return serializer.getClass().getSimpleName();
            }
        };
    }

    /** This serde as a kafka-clients serializer (for handing to a producer). */
    default Serializer<T> serializer() {
        return this::serialize;
    }

    /** This serde as a kafka-clients deserializer (for handing to a consumer). */
    default Deserializer<T> deserializer() {
        return this::deserialize;
    }
}
