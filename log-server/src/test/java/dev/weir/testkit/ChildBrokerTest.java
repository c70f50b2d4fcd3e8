package dev.weir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The testkit's broker in a child JVM, started through the one launcher with the broker's JVM options: records
 * acknowledged before a {@code kill -9} are read after a restart on the same port, and SIGTERM stops it cleanly.
 */
@Tag("process")
class ChildBrokerTest {

    @Test
    void acknowledgedRecordsSurviveKill9AndARestart(@TempDir Path dir) throws Exception {
        List<String> values = IntStream.range(0, 100).mapToObj(i -> "v" + i).toList();
        TopicPartition tp = new TopicPartition("child", 0);
        try (ChildBroker broker = new ChildBroker(dir, "testkit-child", Map.of())) {
            broker.start();
            String ready = Files.readString(broker.stdout(), StandardCharsets.UTF_8);
            assertTrue(ready.contains("ready on PLAINTEXT://" + broker.bootstrap()), ready);
            assertTrue(ChildBroker.jvmOptions().contains("--add-opens"), "the broker JVM options were found");
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all"))) {
                for (String v : values) {
                    producer.send(new ProducerRecord<>(tp.topic(), v)).get(30, TimeUnit.SECONDS);
                }
            }

            broker.kill9();
            assertFalse(broker.isAlive());
            broker.start();

            try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                assertEquals(values, ReadToEnd.readToEnd(consumer, List.of(tp)).stream().map(r -> r.value()).toList());
            }
            broker.stop(Duration.ofSeconds(60)); // asserts the stopped line
            assertTrue(Files.readString(broker.stdout(), StandardCharsets.UTF_8).contains("Weir broker 1 stopped"));
        }
    }
}
