package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.log.testing.TestBroker;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** acks=0/1/all produce and idle-connection handling. */
@Tag("fast")
class ConnectionBehaviourTest {
    @TempDir
    Path dir;
    TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyAcksSettingStoresTheRecordsInOrder() throws Exception {
        broker = new TestBroker(dir);
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("acks", 1, (short) 1))).all().get();
        }
        for (String acks : List.of("0", "1", "all")) {
            // acks=0 gets no responses: idempotence needs acks=all, so it is off for 0 and 1.
            Map<String, Object> config = Map.of("acks", acks, "enable.idempotence", acks.equals("all"));
            try (KafkaProducer<String, String> producer = broker.producer(config)) {
                for (int i = 0; i < 1000; i++) {
                    producer.send(new ProducerRecord<>("acks", "k", acks + "-" + i));
                }
                producer.flush();
            }
        }
        TopicPartition tp = new TopicPartition("acks", 0);
        try (var admin = broker.admin()) {
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset() == 3000);
        }
        try (var consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            var records = ProduceConsumeTest.pollUntil(consumer, 3000);
            assertEquals("0-0", records.get(0).value());
            assertEquals("0-999", records.get(999).value());
            assertEquals("1-0", records.get(1000).value());
            assertEquals("all-999", records.get(2999).value());
        }
    }

    @Test
    void idleConnectionsAreClosedAfterConnectionsMaxIdleMs() throws Exception {
        broker = new TestBroker(dir, Map.of("connections.max.idle.ms", "500"));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", broker.broker().port()), 5000);
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            assertEquals(-1, in.read(), "the broker closed the idle connection");
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            org.junit.jupiter.api.Assertions.assertTrue(waitedMs >= 300 && waitedMs < 9_000,
                    "closed after about connections.max.idle.ms, not " + waitedMs + " ms");
        }
    }
}
