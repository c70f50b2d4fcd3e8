package dev.weir.registry.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka {@link Deserializer} for the Confluent wire format (see {@link WireFormat}). The writer schema is
 * fetched by the id in the header (cached by the {@link SchemaRegistryClient}); the reader schema is the
 * writer's, or the configured SpecificRecord type's ({@code specific.avro.value.type}), or that of the
 * generated class of the same name ({@code specific.avro.reader=true}), or a configured one
 * ({@code avro.value.reader.schema}); Avro schema resolution reconciles the two, so a consumer on a newer
 * schema reads data written with an older one that the registry's BACKWARD compatibility admitted.
 *
 * <p>Returns GenericRecord (or the generated SpecificRecord class), and for primitive schemas String,
 * byte[], Integer, Long, Float, Double, Boolean or null, as Confluent's deserializer does. {@code null}
 * data deserializes to {@code null}.
 *
 * <p>Thread-safe after {@link #configure}; the datum reader for each schema id is built once and shared.
 */
public class WeirAvroDeserializer implements Deserializer<Object> {

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private ReaderSchemas readerSchemas;
    private SpecificData specificData;
    private final Map<Integer, DatumReader<Object>> readersById = new ConcurrentHashMap<>();

    /** For Kafka's reflective instantiation; {@link #configure} creates the client from the URL. */
    public WeirAvroDeserializer() {
    }

    /** Uses {@code client} (shared, not closed by {@link #close}); {@code schema.registry.url} is then optional. */
    public WeirAvroDeserializer(SchemaRegistryClient client) {
        this.client = client;
    }

    /** Uses {@code client} and configures at once. */
    public WeirAvroDeserializer(SchemaRegistryClient client, Map<String, ?> configs, boolean isKey) {
        this(client);
        configure(configs, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = AvroSerdeConfig.from(configs, isKey, client == null);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        this.specificData = new SpecificData(loader != null ? loader : getClass().getClassLoader());
        this.readerSchemas = new ReaderSchemas(config, specificData);
        if (client == null) {
            client = config.newClient();
            ownsClient = true;
        }
    }

    @Override
    public Object deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (readerSchemas == null) {
            throw new IllegalStateException("WeirAvroDeserializer used before configure()");
        }
        int id = WireFormat.schemaId(data);
        DatumReader<Object> reader = readersById.get(id);
        if (reader == null) {
            reader = newReader(id); // outside computeIfAbsent: it may call the registry
            DatumReader<Object> raced = readersById.putIfAbsent(id, reader);
            reader = raced != null ? raced : reader;
        }
        Object value;
        try {
            value = reader.read(null, DecoderFactory.get().binaryDecoder(
                    data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Error deserializing Avro data with schema id " + id
                    + " from topic " + topic + ": " + e, e);
        }
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
        return value;
    }

    @Override
    public Object deserialize(String topic, Headers headers, byte[] data) {
        return deserialize(topic, data);
    }

    private DatumReader<Object> newReader(int id) {
        Schema writer = client.schemaById(id);
        Schema reader = readerSchemas.readerFor(writer);
        try {
            return readerSchemas.specific()
                    ? new SpecificDatumReader<>(writer, reader, specificData)
                    : new GenericDatumReader<>(writer, reader, GenericData.get());
        } catch (RuntimeException e) {
            throw new SerializationException("Reader schema " + reader.getFullName()
                    + " cannot read writer schema id " + id + ": " + e, e);
        }
    }

    /** The registry client in use. */
    public SchemaRegistryClient client() {
        return client;
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
