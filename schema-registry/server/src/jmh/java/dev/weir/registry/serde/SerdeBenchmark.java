package dev.weir.registry.serde;

import dev.weir.registry.serde.avro.Payment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of the serde against plain Avro binary encoding of the same SpecificRecord ({@link Payment},
 * ~50 bytes encoded), and of registry look-ups: the client's cache-hit path, and an uncached look-up
 * (a latest-version GET with a zero TTL) over HTTP to a real Weir registry (backed by an in-process Weir
 * broker) on loopback.
 * Run with one benchmark thread (the default): the plain-Avro encoder is reused without synchronization.
 * See docs/benchmarks.md, "Schema registry serde", for the command and figures.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SerdeBenchmark {

    private java.nio.file.Path brokerDir;
    private dev.weir.log.testing.TestBroker broker;
    private dev.weir.registry.RegistryApp registry;
    private WeirAvroSerializer serializer;
    private WeirAvroDeserializer deserializer;
    private SchemaRegistryClient cachedClient;
    private SchemaRegistryClient uncachedClient;
    private final SpecificDatumWriter<Payment> plainWriter = new SpecificDatumWriter<>(Payment.class);
    private final SpecificDatumReader<Payment> plainReader = new SpecificDatumReader<>(Payment.class);
    private Payment payment;
    private byte[] serialized;
    private byte[] plainSerialized;
    private int id;
    /** Reused like the serializer's per-thread encoder, so both sides skip the 2 KiB buffer allocation. */
    private BinaryEncoder plainEncoder;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        brokerDir = java.nio.file.Files.createTempDirectory("serde-bench-broker");
        broker = dev.weir.registry.RegistryFixture.broker(brokerDir);
        registry = dev.weir.registry.RegistryFixture.registry(broker, Map.of());
        Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
                AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        serializer = new WeirAvroSerializer();
        serializer.configure(config, false);
        deserializer = new WeirAvroDeserializer();
        deserializer.configure(config, false);
        payment = new Payment("payment-000123", 199.99, "EUR", 1_700_000_000_000L, List.of("card", "web"));
        serialized = serializer.serialize("payments", payment);
        plainSerialized = plain();
        cachedClient = new SchemaRegistryClient(registry.url());
        id = cachedClient.register("payments-value", Payment.getClassSchema());
        uncachedClient = new SchemaRegistryClient(List.of(registry.url()), Duration.ofSeconds(10), Duration.ZERO);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        registry.close();
        broker.close();
    }

    @Benchmark
    public byte[] serializeWeir() {
        return serializer.serialize("payments", payment);
    }

    @Benchmark
    public byte[] serializePlainAvro() throws IOException {
        return plain();
    }

    @Benchmark
    public Object deserializeWeir() {
        return deserializer.deserialize("payments", serialized);
    }

    @Benchmark
    public Payment deserializePlainAvro() throws IOException {
        return plainReader.read(null, DecoderFactory.get().binaryDecoder(plainSerialized, null));
    }

    /** Cache hit of (subject, schema) to id, the serializer's per-record look-up. */
    @Benchmark
    public int registryLookupCachedSubjectSchema() {
        return cachedClient.register("payments-value", Payment.getClassSchema());
    }

    /** Cache hit of id to schema, the deserializer's look-up for a new reader. */
    @Benchmark
    public Object registryLookupCachedId() {
        return cachedClient.schemaById(id);
    }

    /** One HTTP GET /subjects/{s}/versions/latest per operation (TTL 0), to the stand-in server on loopback. */
    @Benchmark
    public RegisteredSchema registryLookupUncachedHttp() {
        return uncachedClient.latest("payments-value");
    }

    private byte[] plain() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        plainEncoder = EncoderFactory.get().binaryEncoder(out, plainEncoder);
        plainWriter.write(payment, plainEncoder);
        plainEncoder.flush();
        return out.toByteArray();
    }
}
