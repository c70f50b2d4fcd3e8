package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weir.log.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kafka-clients' idempotent producer and an assign/seek consumer against an in-process broker. */
@Tag("fast")
class ProduceConsumeTest {
    @TempDir
    Path dir;
    TestBroker broker;

    @BeforeEach
    void start() {
        broker = new TestBroker(dir);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void keyedRecordsWithHeadersAndNullValuesComeBackInOrderWithDenseOffsets() throws Exception {
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
        }
        List<RecordMetadata> acked = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all"))) {
            for (int i = 0; i < 500; i++) {
                String value = i % 10 == 0 ? null : "value-" + i;
                ProducerRecord<String, String> record = new ProducerRecord<>("orders", 0, "key-" + i, value);
                record.headers().add(new RecordHeader("h", ("header-" + i).getBytes(StandardCharsets.UTF_8)));
                acked.add(producer.send(record).get());
            }
        }
        for (int i = 0; i < acked.size(); i++) {
            assertEquals(i, acked.get(i).offset(), "acknowledged offsets are dense");
        }

        TopicPartition tp = new TopicPartition("orders", 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            List<ConsumerRecord<String, String>> read = pollUntil(consumer, 500);
            for (int i = 0; i < 500; i++) {
                ConsumerRecord<String, String> r = read.get(i);
                assertEquals(i, r.offset());
                assertEquals("key-" + i, r.key());
                if (i % 10 == 0) {
                    assertNull(r.value());
                } else {
                    assertEquals("value-" + i, r.value());
                }
                assertArrayEquals(("header-" + i).getBytes(StandardCharsets.UTF_8), r.headers().lastHeader("h").value());
            }
        }
    }

    static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer, int count) {
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        assertEquals(count, out.size(), "records read within 30 s");
        return out;
    }
}
