package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic and config administration through kafka-clients' Admin. */
@Tag("fast")
class AdminTopicsTest {
    @TempDir
    Path dir;
    TestBroker broker;
    Admin admin;

    @BeforeEach
    void start() {
        broker = new TestBroker(dir);
        admin = broker.admin();
    }

    @AfterEach
    void stop() {
        admin.close();
        broker.close();
    }

    @Test
    void createListDescribeAndDeleteTopics() throws Exception {
        admin.createTopics(List.of(new NewTopic("alpha", 3, (short) 1), new NewTopic("beta", 1, (short) 1))).all().get();

        assertEquals(Set.of("alpha", "beta"), admin.listTopics().names().get());
        TopicDescription alpha = admin.describeTopics(List.of("alpha")).allTopicNames().get().get("alpha");
        assertEquals(3, alpha.partitions().size());
        assertEquals(1, alpha.partitions().get(0).leader().id());
        assertFalse(alpha.topicId().toString().isEmpty());

        admin.deleteTopics(List.of("alpha")).all().get();
        assertEquals(Set.of("beta"), admin.listTopics().names().get());
        var e = assertThrows(ExecutionException.class, () -> admin.deleteTopics(List.of("alpha")).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, e.getCause());
    }

    @Test
    void deletedTopicCanBeCreatedAgainEmpty() throws Exception {
        admin.createTopics(List.of(new NewTopic("again", 1, (short) 1))).all().get();
        try (var producer = broker.producer(Map.of())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("again", "k", "v")).get();
        }
        admin.deleteTopics(List.of("again")).all().get();
        admin.createTopics(List.of(new NewTopic("again", 1, (short) 1))).all().get();
        var tp = new org.apache.kafka.common.TopicPartition("again", 0);
        long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(tp).offset();
        assertEquals(0, end, "the re-created topic starts empty");
    }

    @Test
    void badTopicRequestsGetKafkaErrors() throws Exception {
        admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all().get();
        assertCause(TopicExistsException.class, () -> admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all().get());
        var invalid = assertCause(InvalidTopicException.class,
                () -> admin.createTopics(List.of(new NewTopic("a/b", 1, (short) 1))).all().get());
        assertTrue(invalid.getMessage().contains("invalid character '/'"), invalid.getMessage());
        assertCause(InvalidTopicException.class, () -> admin.createTopics(List.of(new NewTopic("..", 1, (short) 1))).all().get());
        assertCause(InvalidTopicException.class,
                () -> admin.createTopics(List.of(new NewTopic("x".repeat(250), 1, (short) 1))).all().get());
        assertCause(InvalidReplicationFactorException.class,
                () -> admin.createTopics(List.of(new NewTopic("rf3", 1, (short) 3))).all().get());
        assertCause(InvalidPartitionsException.class,
                () -> admin.createTopics(List.of(new NewTopic("zero", 0, (short) 1))).all().get());
        assertCause(InvalidConfigurationException.class, () -> admin.createTopics(List.of(
                new NewTopic("badcfg", 1, (short) 1).configs(Map.of("retention.ms", "soon")))).all().get());
        assertCause(InvalidConfigurationException.class, () -> admin.createTopics(List.of(
                new NewTopic("unknowncfg", 1, (short) 1).configs(Map.of("no.such.config", "1")))).all().get());
        assertEquals(Set.of("taken"), admin.listTopics().names().get(), "failed creations left nothing behind");
    }

    @Test
    void validateOnlyCreatesNothing() throws Exception {
        admin.createTopics(List.of(new NewTopic("dry", 4, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
        assertTrue(admin.listTopics().names().get().isEmpty());
    }

    @Test
    void createPartitionsGrowsATopicAndRefusesShrinking() throws Exception {
        admin.createTopics(List.of(new NewTopic("grow", 2, (short) 1))).all().get();
        admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(5))).all().get();
        assertEquals(5, admin.describeTopics(List.of("grow")).allTopicNames().get().get("grow").partitions().size());
        assertCause(InvalidPartitionsException.class,
                () -> admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(3))).all().get());
        try (var producer = broker.producer(Map.of())) {
            assertEquals(4, producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("grow", 4, "k", "v"))
                    .get().partition());
        }
    }

    @Test
    void configsDescribeAndAlterWithBadValuesRejected() throws Exception {
        admin.createTopics(List.of(new NewTopic("cfg", 1, (short) 1).configs(Map.of("retention.ms", "3600000")))).all().get();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "cfg");
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("3600000", config.get("retention.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get("retention.ms").source());
        assertEquals("1073741824", config.get("segment.bytes").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("segment.bytes").source());

        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all().get();
        config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("2000000", config.get("max.message.bytes").value());
        assertEquals("604800000", config.get("retention.ms").value(), "deleted override falls back to the default");

        Collection<AlterConfigOp> bad = List.of(new AlterConfigOp(new ConfigEntry("segment.bytes", "-5"), AlterConfigOp.OpType.SET));
        var e = assertCause(InvalidConfigurationException.class,
                () -> admin.incrementalAlterConfigs(Map.of(resource, bad)).all().get());
        assertTrue(e.getMessage().contains("segment.bytes"), e.getMessage());
        assertCause(InvalidConfigurationException.class, () -> admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "shred"), AlterConfigOp.OpType.SET)))).all().get());
        assertEquals("2000000", admin.describeConfigs(List.of(resource)).all().get().get(resource)
                .get("max.message.bytes").value(), "a rejected change leaves the configs as they were");

        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "nope");
        assertCause(UnknownTopicOrPartitionException.class, () -> admin.describeConfigs(List.of(missing)).all().get());
    }

    @Test
    void describeClusterAndBrokerConfigs() throws Exception {
        var cluster = admin.describeCluster();
        assertEquals(1, cluster.nodes().get().size());
        assertFalse(cluster.clusterId().get().isEmpty());
        ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config config = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
        assertEquals("104857600", config.get("socket.request.max.bytes").value());
    }

    static <T extends Throwable> T assertCause(Class<T> type, org.junit.jupiter.api.function.Executable call) {
        ExecutionException e = assertThrows(ExecutionException.class, call);
        return assertInstanceOf(type, e.getCause());
    }
}
