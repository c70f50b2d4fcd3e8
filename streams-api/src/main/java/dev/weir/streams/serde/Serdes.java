package dev.weir.streams.serde;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.DoubleDeserializer;
import org.apache.kafka.common.serialization.DoubleSerializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.apache.kafka.common.serialization.UUIDSerializer;

/**
 * The built-in serdes. The primitive ones use kafka-clients' encodings (big-endian longs, UTF-8
 * strings, ...) so Weir apps exchange data with Kafka Streams apps and plain clients unchanged.
 */
public final class Serdes {
    private static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

    private static final Serde<String> STRING = Serde.of(new StringSerializer(), new StringDeserializer());
    private static final Serde<Long> LONG = Serde.of(new LongSerializer(), new LongDeserializer());
    private static final Serde<Integer> INTEGER = Serde.of(new IntegerSerializer(), new IntegerDeserializer());
    private static final Serde<Double> DOUBLE = Serde.of(new DoubleSerializer(), new DoubleDeserializer());
    private static final Serde<byte[]> BYTES = Serde.of(new ByteArraySerializer(), new ByteArrayDeserializer());
    private static final Serde<UUID> UUIDS = Serde.of(new UUIDSerializer(), new UUIDDeserializer());

    private Serdes() {
    }

    public static Serde<String> string() {
        return STRING;
    }

    public static Serde<Long> longs() {
        return LONG;
    }

    public static Serde<Integer> integers() {
        return INTEGER;
    }

    public static Serde<Double> doubles() {
        return DOUBLE;
    }

    public static Serde<byte[]> bytes() {
        return BYTES;
    }

    public static Serde<UUID> uuid() {
        return UUIDS;
    }

    /**
     * Windowed keys in Kafka Streams' time-windowed format: the key bytes, then the 8-byte window start;
     * the end is start + {@code windowSize} (as Kafka's {@code TimeWindowedSerde}).
     */
    public static <K> Serde<dev.weir.streams.Windowed<K>> windowed(Serde<K> inner, java.time.Duration windowSize) {
        long size = windowSize.toMillis();
        return new Serde<>() {
            @Override
            public byte[] serialize(String topic, dev.weir.streams.Windowed<K> w) {
                if (w == null) {
                    return null;
                }
                byte[] k = inner.serialize(topic, w.key());
                return java.nio.ByteBuffer.allocate(k.length + 8).put(k).putLong(w.start()).array();
            }

            @Override
            public dev.weir.streams.Windowed<K> deserialize(String topic, byte[] bytes) {
                if (bytes == null) {
                    return null;
                }
                if (bytes.length < 8) {
                    throw new SerializationException("a windowed key from " + topic + " has " + bytes.length
                            + " bytes: it needs at least the 8-byte window start");
                }
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                byte[] k = new byte[bytes.length - 8];
                b.get(k);
                long start = b.getLong();
                return new dev.weir.streams.Windowed<>(inner.deserialize(topic, k), start, start + size);
            }

            @Override
            public String toString() {
                return "Windowed(" + inner + ")";
            }
        };
    }

    /** JSON through Jackson into a record or bean class. */
    public static <T> Serde<T> json(Class<T> type) {
        return json(MAPPER, MAPPER.getTypeFactory().constructType(type).getRawClass(), null);
    }

    /** JSON through Jackson into a generic type, e.g. {@code new TypeReference<List<Order>>() {}}. */
    public static <T> Serde<T> json(TypeReference<T> type) {
        return json(MAPPER, null, type);
    }

    /** JSON objects as {@code Map<String, Object>} (schemaless). */
    public static Serde<Map<String, Object>> jsonMap() {
        return json(new TypeReference<Map<String, Object>>() {
        });
    }

    /** JSON with a caller-configured {@link ObjectMapper}. */
    public static <T> Serde<T> json(ObjectMapper mapper, Class<T> type) {
        return json(mapper, type, null);
    }

    private static <T> Serde<T> json(ObjectMapper mapper, Class<?> type, TypeReference<T> ref) {
        String typeName = type != null ? type.getSimpleName() : ref.getType().getTypeName();
        return new Serde<>() {
            @Override
            public byte[] serialize(String topic, T value) {
                if (value == null) {
                    return null;
                }
                try {
                    return mapper.writeValueAsBytes(value);
                } catch (IOException e) {
                    throw new SerializationException("cannot write " + value.getClass().getName()
                            + " as JSON for topic " + topic + ": " + e.getMessage(), e);
                }
            }

            @Override
            @SuppressWarnings("unchecked")
            public T deserialize(String topic, byte[] bytes) {
                if (bytes == null) {
                    return null;
                }
                try {
                    return type != null ? (T) mapper.readValue(bytes, type) : mapper.readValue(bytes, ref);
                } catch (IOException e) {
                    throw new SerializationException("cannot read JSON as " + typeName + " from topic "
                            + topic + ": " + e.getMessage(), e);
                }
            }

            @Override
            public String toString() {
                return "Json(" + typeName + ")";
            }
        };
    }

}
