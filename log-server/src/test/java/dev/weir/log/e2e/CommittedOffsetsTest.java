package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.testing.PollingConsumer;
import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Committed offsets: a group resumes after them across a clean broker restart; Admin lists,
 * describes and deletes groups and reads, alters and deletes their offsets; offsets of a deleted
 * topic disappear.
 */
@Tag("fast")
class CommittedOffsetsTest {
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 10;

    @TempDir
    Path dir;
    TestBroker broker;
    Admin admin;

    @BeforeEach
    void start() {
        broker = new TestBroker(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
        admin = broker.admin();
    }

    @AfterEach
    void stop() {
        admin.close();
        broker.close();
    }

    @Test
    void afterCommitSyncAndARestartTheGroupResumesExactlyAfterTheCommittedOffsets() throws Exception {
        String topic = "resume";
        produce(topic);
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = consumer("resumers")) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> read = pollUntil(consumer, PARTITIONS * PER_PARTITION);
            assertEquals(PARTITIONS * PER_PARTITION, read.size());
            for (int p = 0; p < PARTITIONS; p++) {
                commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(3 + p, "checkpoint-" + p));
            }
            consumer.commitSync(commit);
            assertEquals(commit, consumer.committed(commit.keySet()));
        }

        broker.restart();
        try (Admin after = broker.admin()) {
            assertEquals(commit, after.listConsumerGroupOffsets("resumers").partitionsToOffsetAndMetadata().get());
        }
        try (KafkaConsumer<String, String> consumer = consumer("resumers")) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> read = pollUntil(consumer, PARTITIONS * PER_PARTITION - (3 + 4 + 5));
            Map<Integer, Long> first = new HashMap<>();
            read.forEach(r -> first.merge(r.partition(), r.offset(), Math::min));
            assertEquals(Map.of(0, 3L, 1, 4L, 2, 5L), first, "each partition resumes at its committed offset");
            assertEquals(PARTITIONS * PER_PARTITION - 12, read.size());
            assertEquals(commit, consumer.committed(commit.keySet()));
        }
    }

    @Test
    void adminListsDescribesAndDeletesGroups() throws Exception {
        String topic = "admin-groups";
        produce(topic);
        try (PollingConsumer active = new PollingConsumer(consumer("active-group"), List.of(topic))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> active.assignment().size() == PARTITIONS);
            active.call(c -> {
                c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(7)));
                return null;
            });
            admin.alterConsumerGroupOffsets("simple-group", Map.of(new TopicPartition(topic, 1), new OffsetAndMetadata(2)))
                    .all().get();

            Map<String, GroupListing> listed = admin.listGroups().all().get().stream()
                    .collect(Collectors.toMap(GroupListing::groupId, g -> g));
            assertEquals(Set.of("active-group", "simple-group"), listed.keySet());
            assertEquals("consumer", listed.get("active-group").protocol());
            assertEquals(GroupState.STABLE, listed.get("active-group").groupState().orElseThrow());
            assertEquals(GroupState.EMPTY, listed.get("simple-group").groupState().orElseThrow());
            assertEquals(Set.of("active-group"), admin.listGroups(new ListGroupsOptions().inGroupStates(Set.of(GroupState.STABLE)))
                    .all().get().stream().map(GroupListing::groupId).collect(Collectors.toSet()));
            assertEquals(Set.of("active-group", "simple-group"), admin.listGroups(ListGroupsOptions.forConsumerGroups())
                    .all().get().stream().map(GroupListing::groupId).collect(Collectors.toSet()));

            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("active-group")).describedGroups()
                    .get("active-group").get();
            assertEquals(GroupState.STABLE, d.groupState());
            assertEquals("range", d.partitionAssignor());
            assertEquals(1, d.members().size());
            assertEquals(PARTITIONS, d.members().iterator().next().assignment().topicPartitions().size());
            assertEquals(1, d.coordinator().id());

            ExecutionException busy = assertThrows(ExecutionException.class,
                    () -> admin.deleteConsumerGroups(List.of("active-group")).all().get());
            assertInstanceOf(GroupNotEmptyException.class, busy.getCause());
            admin.deleteConsumerGroups(List.of("simple-group")).all().get();
            ExecutionException gone = assertThrows(ExecutionException.class,
                    () -> admin.deleteConsumerGroups(List.of("simple-group")).all().get());
            assertInstanceOf(GroupIdNotFoundException.class, gone.getCause());
        }
        // The member left: the group is Empty, keeps its offsets, and can now be deleted.
        ConsumerGroupDescription empty = admin.describeConsumerGroups(List.of("active-group")).describedGroups()
                .get("active-group").get();
        assertEquals(GroupState.EMPTY, empty.groupState());
        assertEquals(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(7)),
                admin.listConsumerGroupOffsets("active-group").partitionsToOffsetAndMetadata().get());
        admin.deleteConsumerGroups(List.of("active-group")).all().get();
        assertEquals(Set.of(), admin.listGroups().all().get().stream().map(GroupListing::groupId).collect(Collectors.toSet()));

        broker.restart();
        try (Admin after = broker.admin()) {
            assertEquals(List.of(), new ArrayList<>(after.listGroups().all().get()), "deleted groups stay deleted");
            assertEquals(Map.of(), after.listConsumerGroupOffsets("active-group").partitionsToOffsetAndMetadata().get());
        }
    }

    @Test
    void adminAltersAndDeletesCommittedOffsets() throws Exception {
        String topic = "admin-offsets";
        produce(topic);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        admin.alterConsumerGroupOffsets("offsets-group", Map.of(p0, new OffsetAndMetadata(4, "four"),
                p1, new OffsetAndMetadata(6))).all().get();
        assertEquals(Map.of(p0, new OffsetAndMetadata(4, "four"), p1, new OffsetAndMetadata(6)),
                admin.listConsumerGroupOffsets("offsets-group").partitionsToOffsetAndMetadata().get());

        admin.deleteConsumerGroupOffsets("offsets-group", Set.of(p1)).all().get();
        assertEquals(Map.of(p0, new OffsetAndMetadata(4, "four")),
                admin.listConsumerGroupOffsets("offsets-group").partitionsToOffsetAndMetadata().get());

        // A consumer of the group starts where the altered offset says.
        try (KafkaConsumer<String, String> consumer = consumer("offsets-group")) {
            consumer.assign(List.of(p0));
            List<ConsumerRecord<String, String>> read = pollUntil(consumer, PER_PARTITION - 4);
            assertEquals(4, read.get(0).offset());
        }

        // While a member subscribes to the topic, its offsets cannot be deleted.
        try (PollingConsumer member = new PollingConsumer(consumer("offsets-group"), List.of(topic))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> member.assignment().size() == PARTITIONS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.deleteConsumerGroupOffsets("offsets-group", Set.of(p0)).all().get());
            assertInstanceOf(GroupSubscribedToTopicException.class, e.getCause());
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.deleteConsumerGroupOffsets("no-such-group", Set.of(p0)).all().get());
        assertInstanceOf(GroupIdNotFoundException.class, e.getCause());
    }

    @Test
    void offsetsOfADeletedTopicAreRemoved() throws Exception {
        produce("doomed");
        produce("kept");
        admin.alterConsumerGroupOffsets("two-topics", Map.of(new TopicPartition("doomed", 0), new OffsetAndMetadata(1),
                new TopicPartition("kept", 0), new OffsetAndMetadata(2))).all().get();
        admin.deleteTopics(List.of("doomed")).all().get();
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.listConsumerGroupOffsets("two-topics")
                .partitionsToOffsetAndMetadata().get().equals(Map.of(new TopicPartition("kept", 0), new OffsetAndMetadata(2))));
        broker.restart();
        try (Admin after = broker.admin()) {
            assertEquals(Map.of(new TopicPartition("kept", 0), new OffsetAndMetadata(2)),
                    after.listConsumerGroupOffsets("two-topics").partitionsToOffsetAndMetadata().get());
        }
    }

    @Test
    void theOffsetsTopicIsInternalCompactedAndHasFiftyPartitions() throws Exception {
        admin.alterConsumerGroupOffsets("any", Map.of()).all().get();
        produce("t");
        admin.alterConsumerGroupOffsets("any", Map.of(new TopicPartition("t", 0), new OffsetAndMetadata(1))).all().get();
        assertTrue(admin.listTopics().names().get().stream().noneMatch(GroupCoordinator.OFFSETS_TOPIC::equals),
                "hidden from listTopics by default");
        TopicDescription d = admin.describeTopics(List.of(GroupCoordinator.OFFSETS_TOPIC)).allTopicNames().get()
                .get(GroupCoordinator.OFFSETS_TOPIC);
        assertTrue(d.isInternal());
        assertEquals(50, d.partitions().size());
        Collection<org.apache.kafka.clients.admin.ConfigEntry> configs = admin.describeConfigs(List.of(
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC,
                        GroupCoordinator.OFFSETS_TOPIC))).all().get().values().iterator().next().entries();
        assertEquals("compact", configs.stream().filter(c -> c.name().equals("cleanup.policy")).findFirst().orElseThrow()
                .value());
    }

    // --- helpers ---

    private void produce(String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    producer.send(new ProducerRecord<>(topic, p, "k" + i, "p" + p + "-" + i));
                }
            }
            producer.flush();
        }
    }

    private KafkaConsumer<String, String> consumer(String group) {
        return broker.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100));
    }

    private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < count) {
            assertTrue(System.nanoTime() < deadline, "read " + count + " records within 30 s, got " + out.size());
            consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        return out;
    }
}
