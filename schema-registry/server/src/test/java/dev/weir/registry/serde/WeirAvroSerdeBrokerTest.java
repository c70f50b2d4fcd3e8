package dev.weir.registry.serde;

import dev.weir.registry.RegistryApp;
import dev.weir.registry.RegistryFixture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.weir.log.testing.TestBroker;
import dev.weir.registry.serde.avro.Payment;
import dev.weir.registry.serde.avro.User;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: serde round trips through a topic of a real in-process Weir broker and the real Weir schema
 * registry (default compatibility BACKWARD, so the evolved schema is checked for real when it registers).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("fast")
class WeirAvroSerdeBrokerTest {

    /** User v1 (no 'email'), as a GenericRecord: the schema the generated {@link User} (v2) evolved from. */
    private static final Schema USER_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "User", "namespace": "dev.weir.registry.serde.avro",
             "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]}""");

    @TempDir
    static Path dir;
    static TestBroker broker;
    static RegistryApp registry;

    @BeforeAll
    static void start() {
        broker = RegistryFixture.broker(dir);
        registry = RegistryFixture.registry(broker, java.util.Map.of());
    }

    @AfterAll
    static void stop() {
        registry.close();
        broker.close();
    }

    private static GenericRecord userV1(String name, int age) {
        GenericRecord user = new GenericData.Record(USER_V1);
        user.put("name", name);
        user.put("age", age);
        return user;
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<Object, Object> producer() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, WeirAvroSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, WeirAvroSerializer.class.getName());
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
        return new KafkaProducer<>(p);
    }

    private static List<ConsumerRecord<Object, Object>> consume(String topic, int count, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, WeirAvroDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, WeirAvroDeserializer.class);
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
        p.putAll(extra);
        List<ConsumerRecord<Object, Object>> records = new ArrayList<>();
        try (KafkaConsumer<Object, Object> consumer = new KafkaConsumer<>(p)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertEquals(count, records.size());
        return records;
    }

    @Test
    void genericRecordRoundTrip() throws Exception {
        createTopic("generic-users");
        try (KafkaProducer<Object, Object> producer = producer()) {
            producer.send(new ProducerRecord<>("generic-users", "k1", userV1("ada", 36))).get();
        }
        ConsumerRecord<Object, Object> record = consume("generic-users", 1, Map.of()).get(0);
        assertEquals("k1", record.key());
        GenericRecord user = (GenericRecord) record.value();
        assertEquals("ada", user.get("name").toString());
        assertEquals(36, user.get("age"));
    }

    @Test
    void specificRecordRoundTrip() throws Exception {
        createTopic("payments");
        Payment payment = new Payment("p-1", 99.95, "EUR", 1_700_000_000_000L, List.of("card"));
        try (KafkaProducer<Object, Object> producer = producer()) {
            producer.send(new ProducerRecord<>("payments", 7L, payment)).get();
        }
        ConsumerRecord<Object, Object> record =
                consume("payments", 1, Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true")).get(0);
        assertEquals(7L, record.key());
        assertEquals(payment, record.value());
    }

    /** BACKWARD: a consumer on the new schema (User v2, adds 'email' with a default) reads v1 and v2 data. */
    @Test
    void consumerWithNewSchemaReadsDataWrittenWithTheOldOne() throws Exception {
        createTopic("users");
        try (KafkaProducer<Object, Object> producer = producer()) {
            producer.send(new ProducerRecord<>("users", "old", userV1("ada", 36))).get();
            producer.send(new ProducerRecord<>("users", "new", new User("bob", 41, "bob@example.com"))).get();
        }
        List<ConsumerRecord<Object, Object>> records =
                consume("users", 2, Map.of(AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE, User.class.getName()));
        assertEquals(new User("ada", 36, null), records.get(0).value());
        assertEquals(new User("bob", 41, "bob@example.com"), records.get(1).value());
        assertInstanceOf(User.class, records.get(0).value());
        assertEquals(2, new SchemaRegistryClient(registry.url()).latest("users-value").version());
    }
}
