package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.weir.log.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group coordinator moves with the leadership of its __consumer_offsets partition, offsets included. */
@Tag("cluster")
class GroupFailoverTest {
    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void committedOffsetsAndTheGroupSurviveTheCoordinatorsDeath() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of());
        cluster.createTopic("events", 1, Map.of());
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("events", "k", "v" + i));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition("events", 0);
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "readers",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 60))) {
            consumer.subscribe(List.of("events"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() >= 60;
            });
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(seen.get(59).offset() + 1)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.image().topic("__consumer_offsets")
                .map(t -> t.partitions().stream().allMatch(p -> p.isr().size() == 3)).orElse(false));
        int coordinator;
        try (Admin admin = cluster.admin()) {
            coordinator = admin.describeConsumerGroups(List.of("readers")).all().get(30, TimeUnit.SECONDS)
                    .get("readers").coordinator().id();
        }
        cluster.kill(coordinator);

        try (Admin admin = cluster.admin()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertNotEquals(coordinator, admin.describeConsumerGroups(List.of("readers")).all()
                        .get(10, TimeUnit.SECONDS).get("readers").coordinator().id());
                assertEquals(60L, admin.listConsumerGroupOffsets("readers").partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS).get(tp).offset());
            });
        }
        List<ConsumerRecord<String, String>> rest = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "readers"))) {
            consumer.subscribe(List.of("events"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(rest::add);
                return rest.size() >= 40;
            });
        }
        assertEquals(60, rest.get(0).offset(), "the group resumes at its committed offset on the new coordinator");
        assertEquals(40, rest.size());
    }
}
