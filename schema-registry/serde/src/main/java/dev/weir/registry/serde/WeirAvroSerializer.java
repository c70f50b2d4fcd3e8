package dev.weir.registry.serde;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serializer} writing Avro in the Confluent wire format (magic byte 0, 4-byte big-endian schema
 * id, Avro binary; see {@link WireFormat}). Accepts GenericRecord, SpecificRecord (and any other Avro
 * {@code GenericContainer}) and the primitives null, Boolean, Integer, Long, Float, Double, CharSequence,
 * byte[] and ByteBuffer; {@code null} data serializes to {@code null} (a tombstone).
 *
 * <p>Schema id per call: the subject comes from the configured {@link SubjectNameStrategy}; then
 * <ul>
 *   <li>{@code use.latest.version=true}: the subject's latest version is the writer schema (the datum is
 *       converted to it by Avro schema resolution if its own schema differs); nothing is registered;</li>
 *   <li>else {@code auto.register.schemas=true} (default): the datum's schema is registered (idempotent);</li>
 *   <li>else it is looked up and must already be registered under the subject.</li>
 * </ul>
 * All three go through the {@link SchemaRegistryClient}'s cache, so the registry is asked once per schema.
 * See {@link AvroSerdeConfig} for the properties.
 *
 * <p>Thread-safe after {@link #configure}: a producer calls it concurrently from all its sending threads.
 */
public class WeirAvroSerializer implements Serializer<Object> {

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private AvroSerdeConfig config;
    private boolean isKey;
    private final AvroDatums datums = new AvroDatums();

    /** For Kafka's reflective instantiation; {@link #configure} creates the client from the URL. */
    public WeirAvroSerializer() {
    }

    /** Uses {@code client} (shared, not closed by {@link #close}); {@code schema.registry.url} is then optional. */
    public WeirAvroSerializer(SchemaRegistryClient client) {
        this.client = client;
    }

    /** Uses {@code client} and configures at once. */
    public WeirAvroSerializer(SchemaRegistryClient client, Map<String, ?> configs, boolean isKey) {
        this(client);
        configure(configs, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = AvroSerdeConfig.from(configs, isKey, client == null);
        this.isKey = isKey;
        if (client == null) {
            client = config.newClient();
            ownsClient = true;
        }
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            throw new IllegalStateException("WeirAvroSerializer used before configure()");
        }
        Schema schema = AvroDatums.schemaOf(data);
        String subject = config.subjectNameStrategy().subjectName(topic, isKey, schema);
        if (config.useLatestVersion()) {
            RegisteredSchema latest = client.latest(subject);
            Object datum = latest.schema().equals(schema) ? data : datums.convert(data, schema, latest.schema());
            return datums.encode(latest.id(), latest.schema(), datum);
        }
        int id = config.autoRegisterSchemas() ? client.register(subject, schema) : client.lookup(subject, schema);
        return datums.encode(id, schema, data);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Object data) {
        return serialize(topic, data);
    }

    /** The registry client in use (to share it, or for its caches). */
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
