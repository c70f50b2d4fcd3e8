package dev.weir.testkit;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The testkit's in-process broker, as another module's test uses it: started through the component SPI (log-server
 * is on this class path), records produced before a restart are read after it, on the same port and directory.
 */
@Tag("fast")
class EmbeddedBrokerTest {

    @Test
    void recordsProducedBeforeARestartAreReadAfterItOnTheSamePort(@TempDir Path dir) throws Exception {
        List<String> values = IntStream.range(0, 50).mapToObj(i -> "value-" + i).toList();
        TopicPartition tp = new TopicPartition("round-trip", 0);
        try (EmbeddedBroker broker = new EmbeddedBroker(dir)) {
            int port = broker.port();
            assertEquals("127.0.0.1:" + port, broker.bootstrap());
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                for (String v : values) {
                    producer.send(new ProducerRecord<>(tp.topic(), "k", v)).get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(values, readValues(broker, tp));

            broker.restart();

            assertEquals(port, broker.port());
            assertEquals("127.0.0.1:" + port, broker.bootstrap());
            assertEquals(values, readValues(broker, tp));
            // and it takes writes again, here through the byte[] serdes
            try (KafkaProducer<byte[], byte[]> producer = broker.byteProducer(Map.of())) {
                producer.send(new ProducerRecord<>(tp.topic(), "after".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<byte[], byte[]> consumer = broker.byteConsumer(Map.of())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<ConsumerRecord<byte[], byte[]>> all = ReadToEnd.consume(consumer, values.size() + 1, Duration.ofSeconds(30));
                assertEquals("after", new String(all.get(values.size()).value(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aHaltedBrokerRestartsOverItsDirectory(@TempDir Path dir) throws Exception {
        TopicPartition tp = new TopicPartition("halted", 0);
        try (EmbeddedBroker broker = new EmbeddedBroker(dir)) {
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                producer.send(new ProducerRecord<>(tp.topic(), "before-halt")).get(30, TimeUnit.SECONDS);
            }
            broker.halt();
            broker.restart();
            assertEquals(List.of("before-halt"), readValues(broker, tp));
        }
    }

    private static List<String> readValues(EmbeddedBroker broker, TopicPartition tp) {
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> out = new ArrayList<>();
            ReadToEnd.readToEnd(consumer, List.of(tp)).forEach(r -> out.add(r.value()));
            assertTrue(consumer.position(tp) >= out.size());
            return out;
        }
    }
}
