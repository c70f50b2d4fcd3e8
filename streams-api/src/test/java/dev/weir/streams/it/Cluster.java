package dev.weir.streams.it;

import dev.weir.testkit.EmbeddedBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The broker the cluster tests run against: the testkit's {@code EmbeddedBroker}, named only here.
 */
public final class Cluster implements AutoCloseable {
    private final AutoCloseable broker;
    private final String bootstrap;

    public Cluster(Path dir) {
        EmbeddedBroker b = new EmbeddedBroker(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
        this.broker = b;
        this.bootstrap = b.bootstrap();
    }

    public String bootstrap() {
        return bootstrap;
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    public void createTopic(String name, int partitions) {
        try (Admin a = admin()) {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    /** A consumer reading every partition of the topic from the beginning, without a group. */
    public KafkaConsumer<byte[], byte[]> reader(String topic, String isolation) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
        List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(topic).stream()
                .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    /** Polls once (up to the timeout) and returns what came. */
    public static List<ConsumerRecord<byte[], byte[]>> pollOnce(KafkaConsumer<byte[], byte[]> c, Duration d) {
        List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
        c.poll(d).forEach(out::add);
        return out;
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}
