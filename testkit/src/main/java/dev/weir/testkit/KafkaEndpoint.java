package dev.weir.testkit;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Something Kafka clients connect to (one broker or a cluster, in-process or in child JVMs), with factories for
 * kafka-clients configured for it. The caller closes what it gets.
 *
 * <p>Each client gets {@link #producerDefaults()} / {@link #consumerDefaults()} (which fixtures tune: a cluster asks
 * for {@code acks=all} and long delivery timeouts to ride out a failover), then the bootstrap servers and serdes,
 * then the caller's {@code extra} configs, which win.
 */
public interface KafkaEndpoint {

    /** {@code host:port[,host:port...]} for {@code bootstrap.servers}. */
    String bootstrap();

    /** Producer configs every producer of this endpoint starts from. */
    default Map<String, Object> producerDefaults() {
        return Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    }

    /** Consumer configs every consumer of this endpoint starts from (auto-commit off). */
    default Map<String, Object> consumerDefaults() {
        return Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }

    default Admin admin() {
        return admin(Map.of());
    }

    default Admin admin(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.putAll(extra);
        return Admin.create(p);
    }

    /** A producer with String keys and values. */
    default KafkaProducer<String, String> producer(Map<String, Object> extra) {
        return new KafkaProducer<>(producerConfig(StringSerializer.class, extra));
    }

    /** A producer with byte[] keys and values. */
    default KafkaProducer<byte[], byte[]> byteProducer(Map<String, Object> extra) {
        return new KafkaProducer<>(producerConfig(ByteArraySerializer.class, extra));
    }

    /** A consumer with String keys and values. */
    default KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
        return new KafkaConsumer<>(consumerConfig(StringDeserializer.class, extra));
    }

    /** A consumer with byte[] keys and values. */
    default KafkaConsumer<byte[], byte[]> byteConsumer(Map<String, Object> extra) {
        return new KafkaConsumer<>(consumerConfig(ByteArrayDeserializer.class, extra));
    }

    /** The configs {@link #producer} and {@link #byteProducer} use, for clients built elsewhere (Streams, Connect). */
    default Map<String, Object> producerConfig(Class<?> serializer, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(producerDefaults());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, serializer);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, serializer);
        p.putAll(extra);
        return p;
    }

    /** The configs {@link #consumer} and {@link #byteConsumer} use. */
    default Map<String, Object> consumerConfig(Class<?> deserializer, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(consumerDefaults());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, deserializer);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, deserializer);
        p.putAll(extra);
        return p;
    }
}
