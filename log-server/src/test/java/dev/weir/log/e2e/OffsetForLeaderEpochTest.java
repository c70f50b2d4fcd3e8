package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.cluster.LocalMetadataStore;
import dev.weir.log.testing.RawKafkaClient;
import dev.weir.log.testing.ReadToEnd;
import dev.weir.log.testing.TestBroker;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OffsetForLeaderEpoch through the wire on one in-process broker: answers from the leader epoch history for followers
 * and consumers alike, the current-leader-epoch fence, and kafka-clients' consumer validating its position with it
 * after the leader epoch moved.
 */
@Tag("fast")
class OffsetForLeaderEpochTest {
    private static final String TOPIC = "epochs";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int CONSUMER = -1;
    private static final int NO_EPOCH = -1;

    @TempDir
    Path dir;
    TestBroker broker;

    /** One partition's answer. */
    record Answer(Errors error, int epoch, long endOffset) {
        static Answer ok(int epoch, long endOffset) {
            return new Answer(Errors.NONE, epoch, endOffset);
        }

        static Answer error(Errors error) {
            return new Answer(error, -1, -1L);
        }
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    void startWithTopic() throws Exception {
        broker = new TestBroker(dir);
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
    }

    void produce(int count) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "v" + i)).get();
            }
        }
    }

    static Answer ask(RawKafkaClient raw, int version, int replicaId, String topic, int partition, int currentEpoch,
                      int epoch) throws Exception {
        OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData();
        if (version >= 3) {
            request.setReplicaId(replicaId);
        }
        OffsetForLeaderTopic t = new OffsetForLeaderTopic().setTopic(topic);
        t.partitions().add(new OffsetForLeaderPartition().setPartition(partition)
                .setCurrentLeaderEpoch(currentEpoch).setLeaderEpoch(epoch));
        request.topics().add(t);
        OffsetForLeaderEpochResponseData response = raw.request(ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) version,
                request);
        var p = response.topics().find(topic).partitions().get(0);
        assertEquals(partition, p.partition());
        return new Answer(Errors.forCode(p.errorCode()), p.leaderEpoch(), p.endOffset());
    }

    static Answer ask(RawKafkaClient raw, int currentEpoch, int epoch) throws Exception {
        return ask(raw, 4, CONSUMER, TOPIC, 0, currentEpoch, epoch);
    }

    /** Rewrites the single-broker metadata image as if the partition's leadership had moved to {@code epoch}. */
    static void setLeaderEpoch(Path dir, int epoch) throws Exception {
        Path file = dir.resolve(LocalMetadataStore.FILE_NAME);
        JsonObject image = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
        image.getJsonArray("topics").stream().map(JsonObject.class::cast)
                .filter(t -> t.getString("name").equals(TOPIC))
                .flatMap(t -> t.getJsonArray("partitions").stream().map(JsonObject.class::cast))
                .forEach(p -> p.put("leaderEpoch", epoch));
        Files.writeString(file, image.encode(), StandardCharsets.UTF_8);
    }

    @Test
    void answersFromTheLeaderEpochHistoryAtEveryVersion() throws Exception {
        startWithTopic();
        produce(10);

        try (RawKafkaClient raw = RawKafkaClient.connect(broker.bootstrap())) {
            for (int version = ApiKeys.OFFSET_FOR_LEADER_EPOCH.oldestVersion();
                 version <= ApiKeys.OFFSET_FOR_LEADER_EPOCH.latestVersion(); version++) {
                assertEquals(Answer.ok(0, 10), ask(raw, version, CONSUMER, TOPIC, 0, NO_EPOCH, 0), "v" + version);
            }
            assertEquals(Answer.ok(0, 10), ask(raw, 0, 0), "current epoch checked and matching");
            assertEquals(Answer.ok(0, 10), ask(raw, 4, 1, TOPIC, 0, 0, 0), "a follower gets the same answer");
            assertEquals(Answer.ok(-1, -1), ask(raw, 0, 1), "an epoch newer than any is undefined");
            assertEquals(Answer.ok(-1, -1), ask(raw, 0, -1), "so is an undefined epoch");
            assertEquals(Answer.error(Errors.UNKNOWN_LEADER_EPOCH), ask(raw, 1, 0));
            assertEquals(Answer.error(Errors.UNKNOWN_TOPIC_OR_PARTITION), ask(raw, 4, CONSUMER, "nope", 0, -1, 0));
            assertEquals(Answer.error(Errors.UNKNOWN_TOPIC_OR_PARTITION), ask(raw, 4, CONSUMER, TOPIC, 3, -1, 0));
        }
    }

    @Test
    void afterTheLeaderEpochMovedOlderEpochsEndWhereTheNewOneStarts() throws Exception {
        startWithTopic();
        produce(10);
        broker.close();
        setLeaderEpoch(dir, 3);
        broker = new TestBroker(dir);

        try (RawKafkaClient raw = RawKafkaClient.connect(broker.bootstrap())) {
            // The new leader epoch is known before anything is written in it.
            assertEquals(Answer.ok(3, 10), ask(raw, 3, 3));
            produce(5);
            assertEquals(Answer.ok(0, 10), ask(raw, 3, 0));
            assertEquals(Answer.ok(0, 10), ask(raw, 3, 2), "an epoch between: the one below it");
            assertEquals(Answer.ok(3, 15), ask(raw, 3, 3));
            assertEquals(Answer.ok(3, 15), ask(raw, NO_EPOCH, 3));
            assertEquals(Answer.ok(-1, -1), ask(raw, 3, 4));
            assertEquals(Answer.error(Errors.FENCED_LEADER_EPOCH), ask(raw, 2, 0));
            assertEquals(Answer.error(Errors.UNKNOWN_LEADER_EPOCH), ask(raw, 4, 0));
        }
    }

    @Test
    void consumerValidatesItsPositionAfterALeaderEpochChange() throws Exception {
        startWithTopic();
        produce(10);
        broker.close();
        setLeaderEpoch(dir, 3);
        broker = new TestBroker(dir);
        produce(5);

        try (KafkaConsumer<String, String> consumer = broker.consumer(
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(TP));
            // Offset 8 was written in epoch 0, which ends at 10 here: nothing was truncated, reading goes on.
            consumer.seek(TP, new OffsetAndMetadata(8, Optional.of(0), ""));
            List<ConsumerRecord<String, String>> read = ReadToEnd.readToEnd(consumer, List.of(TP));
            assertEquals(List.of(8L, 9L, 10L, 11L, 12L, 13L, 14L), read.stream().map(ConsumerRecord::offset).toList());
            assertEquals(3, read.get(read.size() - 1).leaderEpoch().orElseThrow());

            // A position at offset 12 in epoch 0 cannot exist here (epoch 0 ended at 10): the consumer detects the
            // divergence from our answer and, without a reset policy, reports it.
            consumer.seek(TP, new OffsetAndMetadata(12, Optional.of(0), ""));
            LogTruncationException e = assertThrows(LogTruncationException.class, () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200));
                }
            });
            assertEquals(10L, e.divergentOffsets().get(TP).offset());
            assertTrue(e.divergentOffsets().get(TP).leaderEpoch().orElseThrow() == 0);
        }
    }
}
