package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.ChildBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Committed offsets survive SIGKILL of the broker process: after a restart over the same directory the
 * coordinator loads them from {@code __consumer_offsets} and the group resumes after them.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class GroupCrashRecoveryTest {
    private static final String TOPIC = "crash-offsets";
    private static final int PARTITIONS = 2;
    private static final int PER_PARTITION = 50;

    @TempDir
    Path dir;

    @Test
    void committedOffsetsSurviveKill9() throws Exception {
        try (ChildBroker broker = new ChildBroker(dir, "group-crash", Map.of("group.initial.rebalance.delay.ms", "0"))) {
            broker.start();
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int p = 0; p < PARTITIONS; p++) {
                    for (int i = 0; i < PER_PARTITION; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, p, "k", "p" + p + "-" + i));
                    }
                }
                producer.flush();
            }
            // One commitSync per record read, up to 30 per partition: many offset records, the last ones count.
            Map<TopicPartition, OffsetAndMetadata> last = new HashMap<>();
            try (KafkaConsumer<String, String> consumer = consumer(broker)) {
                consumer.subscribe(List.of(TOPIC));
                int committed = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (committed < 2 * 30) {
                    assertTrue(System.nanoTime() < deadline, "committed " + committed + " within 60 s");
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        if (r.offset() < 30) {
                            OffsetAndMetadata next = new OffsetAndMetadata(r.offset() + 1, "after-" + r.offset());
                            consumer.commitSync(Map.of(tp, next));
                            last.put(tp, next);
                            committed++;
                        }
                    }
                }
            }
            assertEquals(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(30, "after-29"),
                    new TopicPartition(TOPIC, 1), new OffsetAndMetadata(30, "after-29")), last);

            broker.kill();
            broker.start();

            try (Admin admin = admin(broker)) {
                assertEquals(last, admin.listConsumerGroupOffsets("crash-group").partitionsToOffsetAndMetadata().get());
            }
            try (KafkaConsumer<String, String> consumer = consumer(broker)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> rest = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (rest.size() < 2 * (PER_PARTITION - 30)) {
                    assertTrue(System.nanoTime() < deadline, "read the rest within 60 s, got " + rest.size());
                    consumer.poll(Duration.ofMillis(100)).forEach(rest::add);
                }
                assertTrue(rest.stream().allMatch(r -> r.offset() >= 30), "resumed after the committed offsets");
                assertEquals(2 * (PER_PARTITION - 30), rest.size());
            }
        }
    }

    private static Admin admin(ChildBroker broker) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        return Admin.create(p);
    }

    private static KafkaProducer<String, String> producer(ChildBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<String, String> consumer(ChildBroker broker) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "crash-group");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(p);
    }
}
