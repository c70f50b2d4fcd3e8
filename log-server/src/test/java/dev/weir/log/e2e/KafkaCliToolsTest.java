package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.CommandRun;
import dev.weir.log.testing.TestBroker;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own command-line tools against the broker, each run as its own JVM on the test classpath,
 * as {@code bin/kafka-topics.sh} and friends would run it: kafka-topics, kafka-configs and the
 * console producer and consumer (by partition and offset: Weir has no consumer groups yet).
 */
@Tag("process")
class KafkaCliToolsTest {
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;
    static Path logback;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir.resolve("broker"));
        admin = broker.admin();
        // The tools log through SLF4J; keep their stdout for their own output.
        logback = dir.resolve("tools-logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%level %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="STDERR"/></root>
                </configuration>
                """);
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void kafkaTopicsCreatesListsDescribesAndDeletesTopics() throws Exception {
        CommandRun.Result created = topics("--create", "--topic", "cli-orders", "--partitions", "3", "--replication-factor", "1",
                "--config", "retention.ms=3600000");
        created.assertOk();
        assertTrue(created.stdout().contains("Created topic cli-orders."), created.stdout());
        topics("--create", "--topic", "cli-audit", "--partitions", "1").assertOk();

        TopicDescription described = admin.describeTopics(List.of("cli-orders")).allTopicNames().get().get("cli-orders");
        assertEquals(3, described.partitions().size());
        Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "cli-orders")))
                .all().get().values().iterator().next();
        assertEquals("3600000", config.get("retention.ms").value());

        CommandRun.Result list = topics("--list");
        list.assertOk();
        assertTrue(list.nonBlankLines().containsAll(List.of("cli-orders", "cli-audit")), list.stdout());

        CommandRun.Result describe = topics("--describe", "--topic", "cli-orders");
        describe.assertOk();
        assertTrue(describe.stdout().contains("Topic: cli-orders"), describe.stdout());
        assertTrue(describe.stdout().contains("PartitionCount: 3"), describe.stdout());
        assertTrue(describe.stdout().contains("ReplicationFactor: 1"), describe.stdout());
        assertTrue(describe.stdout().contains("retention.ms=3600000"), describe.stdout());
        for (int p = 0; p < 3; p++) {
            assertTrue(describe.stdout().matches("(?s).*Partition: " + p + "\\s+Leader: 1\\s+Replicas: 1\\s+Isr: 1.*"),
                    describe.stdout());
        }

        CommandRun.Result duplicate = topics("--create", "--topic", "cli-orders", "--partitions", "1");
        assertNotEquals(0, duplicate.exitCode(), duplicate.stdout());
        assertTrue(duplicate.all().contains("already exists"), duplicate.all());

        CommandRun.Result alter = topics("--alter", "--topic", "cli-audit", "--partitions", "2");
        alter.assertOk();
        assertEquals(2, admin.describeTopics(List.of("cli-audit")).allTopicNames().get().get("cli-audit")
                .partitions().size());

        topics("--delete", "--topic", "cli-orders").assertOk();
        Set<String> names = admin.listTopics().names().get();
        assertTrue(names.contains("cli-audit") && !names.contains("cli-orders"), names.toString());
        CommandRun.Result after = topics("--list");
        after.assertOk();
        assertTrue(after.nonBlankLines().contains("cli-audit"), after.stdout());
        assertFalse(after.nonBlankLines().contains("cli-orders"), after.stdout());
    }

    @Test
    void kafkaConfigsAltersAndDescribesTopicConfigs() throws Exception {
        admin.createTopics(List.of(new NewTopic("cli-configs", 1, (short) 1))).all().get();

        CommandRun.Result alter = configs("--alter", "--entity-type", "topics", "--entity-name", "cli-configs",
                "--add-config", "retention.ms=86400000,max.message.bytes=2000000");
        alter.assertOk();
        assertTrue(alter.stdout().contains("Completed updating config for topic cli-configs."), alter.stdout());
        Config config = topicConfig("cli-configs");
        assertEquals("86400000", config.get("retention.ms").value());
        assertEquals("2000000", config.get("max.message.bytes").value());

        CommandRun.Result describe = configs("--describe", "--entity-type", "topics", "--entity-name", "cli-configs");
        describe.assertOk();
        assertTrue(describe.stdout().contains("Dynamic configs for topic cli-configs are:"), describe.stdout());
        assertTrue(describe.stdout().contains("retention.ms=86400000"), describe.stdout());
        assertTrue(describe.stdout().contains("max.message.bytes=2000000"), describe.stdout());

        configs("--alter", "--entity-type", "topics", "--entity-name", "cli-configs",
                "--delete-config", "retention.ms").assertOk();
        Config afterDelete = topicConfig("cli-configs");
        assertEquals("604800000", afterDelete.get("retention.ms").value(), "back to the default");
        assertEquals("2000000", afterDelete.get("max.message.bytes").value());
        CommandRun.Result describeAgain = configs("--describe", "--entity-type", "topics", "--entity-name", "cli-configs");
        describeAgain.assertOk();
        assertFalse(describeAgain.stdout().contains("retention.ms="), describeAgain.stdout());

        CommandRun.Result bad = configs("--alter", "--entity-type", "topics", "--entity-name", "cli-configs",
                "--add-config", "segment.bytes=10");
        assertNotEquals(0, bad.exitCode(), bad.all());
        assertTrue(bad.all().contains("segment.bytes"), bad.all());
        assertEquals("1073741824", topicConfig("cli-configs").get("segment.bytes").value());
    }

    @Test
    void consoleProducerWritesStdinAndConsoleConsumerReadsItBack() throws Exception {
        admin.createTopics(List.of(new NewTopic("cli-console", 1, (short) 1))).all().get();
        String input = IntStream.range(0, 25).mapToObj(i -> "key-" + i + ":line " + i).collect(Collectors.joining("\n"))
                + "\n";
        runTool(input, "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", broker.bootstrap(),
                "--topic", "cli-console", "--reader-property", "parse.key=true", "--reader-property", "key.separator=:")
                .assertOk();

        TopicPartition tp = new TopicPartition("cli-console", 0);
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            List<ConsumerRecord<String, String>> read = ProduceConsumeTest.pollUntil(consumer, 25);
            for (int i = 0; i < 25; i++) {
                assertEquals("key-" + i, read.get(i).key());
                assertEquals("line " + i, read.get(i).value());
            }
        }

        // Five more from kafka-clients; the console consumer reads them all, in order.
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 25; i < 30; i++) {
                producer.send(new ProducerRecord<>("cli-console", 0, "clients-key-" + i, "clients " + i)).get();
            }
        }
        CommandRun.Result consumed = consoleConsumer("cli-console", 30, "--formatter-property", "print.key=true",
                "--formatter-property", "key.separator=|", "--formatter-property", "print.offset=true");
        consumed.assertOk();
        List<String> expected = new ArrayList<>();
        IntStream.range(0, 25).forEach(i -> expected.add("Offset:" + i + "|key-" + i + "|line " + i));
        IntStream.range(25, 30).forEach(i -> expected.add("Offset:" + i + "|clients-key-" + i + "|clients " + i));
        assertEquals(expected, consumed.nonBlankLines());
        assertTrue(consumed.stderr().contains("Processed a total of 30 messages"), consumed.stderr());

        // --max-messages fewer than there are: it stops after them.
        CommandRun.Result firstTen = consoleConsumer("cli-console", 10);
        firstTen.assertOk();
        assertEquals(IntStream.range(0, 10).mapToObj(i -> "line " + i).toList(), firstTen.nonBlankLines());
        assertTrue(firstTen.stderr().contains("Processed a total of 10 messages"), firstTen.stderr());
    }

    // --- helpers ---

    private static Config topicConfig(String topic) throws Exception {
        return admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic)))
                .all().get().values().iterator().next();
    }

    private static CommandRun.Result topics(String... args) throws Exception {
        return runTool(null, "org.apache.kafka.tools.TopicCommand", prepend(args));
    }

    private static CommandRun.Result configs(String... args) throws Exception {
        return runTool(null, "kafka.admin.ConfigCommand", prepend(args));
    }

    private static CommandRun.Result consoleConsumer(String topic, int maxMessages, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap(), "--topic", topic,
                "--partition", "0", "--offset", "earliest", "--max-messages", Integer.toString(maxMessages),
                "--timeout-ms", "30000"));
        args.addAll(List.of(extra));
        return runTool(null, "org.apache.kafka.tools.consumer.ConsoleConsumer", args.toArray(String[]::new));
    }

    private static String[] prepend(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    /**
     * The tools' classpath: this test's jars, with the kafka-clients the tools were built against in place
     * of the broker's pinned one (the two are not binary compatible), and without Weir's own classes.
     */
    private static String toolsClasspath() {
        String toolsClients = System.getProperty("kafka.cli.tools.clients.jar");
        assertTrue(toolsClients != null && Files.isRegularFile(Path.of(toolsClients)),
                "kafka.cli.tools.clients.jar (copied by log-server's pom) is missing: " + toolsClients);
        List<String> entries = new ArrayList<>(List.of(toolsClients));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.endsWith(".jar") && !name.startsWith("kafka-clients-")) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Runs a tool's main class in a child JVM, as Kafka's bin/ scripts do. */
    private static CommandRun.Result runTool(String input, String mainClass, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-Dlogback.configurationFile=" + logback,
                "-cp", toolsClasspath(), mainClass));
        command.addAll(List.of(args));
        return CommandRun.run(dir, command, input, TIMEOUT_SECONDS);
    }
}
