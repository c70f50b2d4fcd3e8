package dev.weir.registry.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.registry.serde.avro.Payment;
import dev.weir.registry.serde.avro.User;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Serializer, deserializer and client over HTTP against the {@link StandInRegistryServer}. */
@Tag("fast")
class WeirAvroSerdeTest {

    static final Schema USER_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "User", "namespace": "dev.weir.registry.serde.avro",
             "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]}""");

    private StandInRegistryServer registry;

    @BeforeEach
    void start() {
        registry = new StandInRegistryServer();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private Map<String, Object> config(Object... pairs) {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
        for (int i = 0; i < pairs.length; i += 2) {
            config.put((String) pairs[i], pairs[i + 1]);
        }
        return config;
    }

    private WeirAvroSerializer serializer(Object... pairs) {
        WeirAvroSerializer serializer = new WeirAvroSerializer();
        serializer.configure(config(pairs), false);
        return serializer;
    }

    private WeirAvroDeserializer deserializer(Object... pairs) {
        WeirAvroDeserializer deserializer = new WeirAvroDeserializer();
        deserializer.configure(config(pairs), false);
        return deserializer;
    }

    static GenericRecord userV1(String name, int age) {
        GenericRecord user = new GenericData.Record(USER_V1);
        user.put("name", name);
        user.put("age", age);
        return user;
    }

    @Test
    void genericRecordRoundTripUsesWireFormatAndRegistersUnderTopicValue() {
        byte[] bytes = serializer().serialize("users", userV1("ada", 36));
        assertEquals(WireFormat.MAGIC_BYTE, bytes[0]);
        int id = WireFormat.schemaId(bytes);
        assertEquals(USER_V1, new SchemaRegistryClient(registry.url()).latest("users-value").schema());
        assertEquals(id, new SchemaRegistryClient(registry.url()).latest("users-value").id());

        GenericRecord read = (GenericRecord) deserializer().deserialize("users", bytes);
        assertEquals("ada", read.get("name").toString());
        assertEquals(36, read.get("age"));
    }

    @Test
    void specificRecordRoundTrip() {
        Payment payment = new Payment("p-1", 12.5, "EUR", 1_700_000_000_000L, List.of("a", "b"));
        byte[] bytes = serializer().serialize("payments", payment);
        Object generic = deserializer().deserialize("payments", bytes);
        assertInstanceOf(GenericRecord.class, generic);
        assertEquals(12.5, ((GenericRecord) generic).get("amount"));

        Object specific = deserializer(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true").deserialize("payments", bytes);
        assertEquals(payment, specific);
        Object typed = deserializer(AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE, Payment.class.getName())
                .deserialize("payments", bytes);
        assertEquals(payment, typed);
    }

    @Test
    void primitivesRoundTripLikeConfluent() {
        WeirAvroSerializer serializer = serializer();
        WeirAvroDeserializer deserializer = deserializer();
        for (Object value : new Object[] {true, 42, 42L, 1.5f, 2.5d, "text"}) {
            assertEquals(value, deserializer.deserialize("prims", serializer.serialize("prims", value)));
        }
        assertArrayEquals(new byte[] {1, 2, 3},
                (byte[]) deserializer.deserialize("prims", serializer.serialize("prims", new byte[] {1, 2, 3})));
        assertNull(serializer.serialize("prims", null));
        assertNull(deserializer.deserialize("prims", null));
        assertThrows(SerializationException.class, () -> serializer.serialize("prims", new Object()));
    }

    @Test
    void backwardCompatibleReaderReadsOldData() {
        byte[] old = serializer().serialize("users", userV1("ada", 36));
        User read = (User) deserializer(AvroSerdeConfig.SPECIFIC_AVRO_READER, true).deserialize("users", old);
        assertEquals(new User("ada", 36, null), read);

        GenericRecord generic = (GenericRecord) deserializer(AvroSerdeConfig.VALUE_READER_SCHEMA,
                User.getClassSchema().toString()).deserialize("users", old);
        assertEquals(User.getClassSchema(), generic.getSchema());
        assertNull(generic.get("email"));
    }

    @Test
    void clientCachesSoRegistryIsAskedOncePerSchema() {
        WeirAvroSerializer serializer = serializer();
        WeirAvroDeserializer deserializer = deserializer();
        byte[] first = serializer.serialize("users", userV1("a", 1));
        deserializer.deserialize("users", first);
        int afterFirst = registry.requests();
        assertEquals(2, afterFirst, "one register, one fetch by id");
        for (int i = 0; i < 100; i++) {
            deserializer.deserialize("users", serializer.serialize("users", userV1("a", i)));
        }
        assertEquals(afterFirst, registry.requests());
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaFailsWithTheRegistryErrorCode() {
        WeirAvroSerializer lookupOnly = serializer(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        SchemaRegistryException missingSubject = assertThrows(SchemaRegistryException.class,
                () -> lookupOnly.serialize("users", userV1("a", 1)));
        assertEquals(40401, missingSubject.errorCode());
        assertEquals(404, missingSubject.httpStatus());

        new SchemaRegistryClient(registry.url()).register("users-value", User.getClassSchema());
        SchemaRegistryException missingSchema = assertThrows(SchemaRegistryException.class,
                () -> lookupOnly.serialize("users", userV1("a", 1)));
        assertEquals(40403, missingSchema.errorCode());

        int id = new SchemaRegistryClient(registry.url()).register("users-value", USER_V1);
        assertEquals(id, WireFormat.schemaId(lookupOnly.serialize("users", userV1("a", 1))));
    }

    @Test
    void useLatestVersionWritesWithTheLatestSchema() {
        SchemaRegistryClient admin = new SchemaRegistryClient(registry.url());
        admin.register("users-value", USER_V1);
        int latest = admin.register("users-value", User.getClassSchema());
        WeirAvroSerializer serializer = serializer(AvroSerdeConfig.USE_LATEST_VERSION, true,
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        byte[] bytes = serializer.serialize("users", userV1("ada", 36));
        assertEquals(latest, WireFormat.schemaId(bytes));
        GenericRecord read = (GenericRecord) deserializer().deserialize("users", bytes);
        assertEquals(User.getClassSchema(), read.getSchema());
        assertEquals(36, read.get("age"));
    }

    @Test
    void subjectNameStrategiesByConfluentAndWeirNames() {
        for (String name : List.of("RecordNameStrategy",
                "io.confluent.kafka.serializers.subject.RecordNameStrategy",
                RecordNameStrategy.class.getName())) {
            serializer(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, name).serialize("t1", userV1("a", 1));
        }
        serializer(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "TopicRecordNameStrategy")
                .serialize("t2", userV1("a", 1));
        SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
        assertEquals(USER_V1, client.latest("dev.weir.registry.serde.avro.User").schema());
        assertEquals(USER_V1, client.latest("t2-dev.weir.registry.serde.avro.User").schema());

        WeirAvroSerializer keys = new WeirAvroSerializer();
        keys.configure(config(), true);
        keys.serialize("t3", "key");
        assertEquals(Schema.Type.STRING, client.latest("t3-key").schema().getType());
        assertEquals("t-value", new TopicNameStrategy().subjectName("t", false, USER_V1));
        assertThrows(org.apache.kafka.common.config.ConfigException.class,
                () -> serializer(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "java.lang.String"));
    }

    @Test
    void badPayloadsAreSerializationExceptions() {
        WeirAvroDeserializer deserializer = deserializer();
        assertThrows(SerializationException.class, () -> deserializer.deserialize("t", new byte[] {1, 0, 0, 0, 1, 2}));
        assertThrows(SerializationException.class, () -> deserializer.deserialize("t", new byte[] {0, 0}));
        SchemaRegistryException unknown = assertThrows(SchemaRegistryException.class,
                () -> deserializer.deserialize("t", new byte[] {0, 0, 0, 0, 99, 2}));
        assertEquals(40403, unknown.errorCode());
        assertTrue(unknown.getMessage().contains("40403"), unknown.getMessage());
    }
}
