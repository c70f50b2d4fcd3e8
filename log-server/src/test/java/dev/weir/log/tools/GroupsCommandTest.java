package dev.weir.log.tools;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.PollingConsumer;
import dev.weir.log.testing.TestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir groups} end to end against an in-process broker with real consumers: what list and
 * describe print, and that reset-offsets changes nothing without --execute, changes the committed
 * offsets with it (a restarted consumer resumes there), and refuses to touch an active group.
 */
@Tag("fast")
class GroupsCommandTest {
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 10;
    /** Record i of each partition has timestamp BASE + i seconds. */
    private static final long BASE = System.currentTimeMillis() - 3_600_000L;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
        admin = broker.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    /** A topic with PER_PARTITION records in each of PARTITIONS partitions, offsets 0..9, timestamps BASE+i s. */
    private static void createTopic(String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < PER_PARTITION; i++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    producer.send(new ProducerRecord<>(topic, p, BASE + i * 1000L, "k" + i, "v" + i));
                }
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<String, String> consumer(String group) {
        return broker.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.CLIENT_ID_CONFIG, "client-" + group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
    }

    private static PollingConsumer activeMember(String group, String topic) {
        PollingConsumer member = new PollingConsumer(consumer(group), List.of(topic));
        await().atMost(Duration.ofSeconds(30)).until(() -> member.assignment().size() == PARTITIONS);
        return member;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(String topic, long... perPartition) {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        for (int p = 0; p < perPartition.length; p++) {
            m.put(new TopicPartition(topic, p), new OffsetAndMetadata(perPartition[p]));
        }
        return m;
    }

    record Run(int exit, String out, String err) {
        /** The table rows (whitespace-split) whose first cell is {@code first}. */
        List<List<String>> rows(String first) {
            List<List<String>> rows = new ArrayList<>();
            for (String line : out.split("\n")) {
                List<String> cells = Arrays.asList(line.trim().split("\\s+"));
                if (cells.get(0).equals(first)) {
                    rows.add(cells);
                }
            }
            return rows;
        }

        List<String> row(String topic, int partition) {
            return rows(topic).stream().filter(r -> r.get(1).equals(Integer.toString(partition))).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + topic + "-" + partition + " in:\n" + out));
        }
    }

    private static Run groups(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.size() > 0 && !all.contains("--help")) {
            all.add("--bootstrap-server");
            all.add(broker.bootstrap());
        }
        return run(all.toArray(String[]::new));
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = GroupsCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listShowsGroupsWithTheirStateAndFiltersByState() throws Exception {
        String topic = "list-topic";
        createTopic(topic);
        try (PollingConsumer member = activeMember("list-active", topic)) {
            admin.alterConsumerGroupOffsets("list-idle", offsets(topic, 1)).all().get();

            Run all = groups("list");
            assertEquals(0, all.exit(), all.err());
            assertEquals(List.of("list-active", "Stable"), all.rows("list-active").get(0));
            assertEquals(List.of("list-idle", "Empty"), all.rows("list-idle").get(0));

            Run stable = groups("list", "--state", "stable");
            assertEquals(0, stable.exit(), stable.err());
            assertEquals(1, stable.rows("list-active").size());
            assertEquals(0, stable.rows("list-idle").size());

            Run bad = groups("list", "--state", "Sleeping");
            assertEquals(2, bad.exit());
            assertTrue(bad.err().contains("unknown group state 'Sleeping'"), bad.err());
        }
        Run empty = groups("list", "--state", "Empty");
        assertEquals(1, empty.rows("list-active").size(), empty.out());
    }

    @Test
    void describeShowsCommittedOffsetsLogEndOffsetsLagAndOwners() throws Exception {
        String topic = "describe-topic";
        createTopic(topic);
        try (PollingConsumer member = activeMember("describers", topic)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> member.records().size() == PARTITIONS * PER_PARTITION);
            member.call(c -> {
                c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(4),
                        new TopicPartition(topic, 1), new OffsetAndMetadata(10)));
                return null;
            });
            String memberId = member.call(c -> c.groupMetadata().memberId());

            Run d = groups("describe", "--group", "describers");
            assertEquals(0, d.exit(), d.err());
            assertTrue(d.out().startsWith("GROUP describers  STATE Stable  MEMBERS 1  ASSIGNOR range"), d.out());
            assertEquals(List.of(topic, "0", "4", "10", "6", memberId, "/127.0.0.1", "client-describers"),
                    d.row(topic, 0));
            assertEquals(List.of(topic, "1", "10", "10", "0", memberId, "/127.0.0.1", "client-describers"),
                    d.row(topic, 1));
            assertEquals(List.of(topic, "2", "-", "10", "-", memberId, "/127.0.0.1", "client-describers"),
                    d.row(topic, 2));
            assertTrue(d.out().contains("TOTAL LAG 6"), d.out());
            assertEquals(List.of(memberId, "-", "/127.0.0.1", "client-describers", "3"), d.rows(memberId).get(0));
        }
        Run empty = groups("describe", "--group", "describers");
        assertEquals(0, empty.exit(), empty.err());
        assertTrue(empty.out().contains("STATE Empty  MEMBERS 0"), empty.out());
        assertTrue(empty.out().contains("Consumer group 'describers' has no active members."), empty.out());
        assertEquals(List.of(topic, "0", "4", "10", "6", "-", "-", "-"), empty.row(topic, 0));
        assertEquals(2, empty.rows(topic).size(), "only committed partitions once nobody is assigned");

        Run missing = groups("describe", "--group", "nobody-here");
        assertEquals(1, missing.exit(), missing.out());
        assertTrue(missing.err().contains("consumer group 'nobody-here' does not exist"), missing.err());
    }

    @Test
    void resetOffsetsIsADryRunUnlessExecutedAndTheRestartedConsumerResumesThere() throws Exception {
        String topic = "reset-topic";
        String group = "resetters";
        createTopic(topic);
        try (PollingConsumer member = activeMember(group, topic)) {
            member.call(c -> {
                c.commitSync(offsets(topic, 5, 5, 5));
                return null;
            });
        }
        Map<TopicPartition, OffsetAndMetadata> before = committed(group);
        assertEquals(offsets(topic, 5, 5, 5), before);

        String datetime = Instant.ofEpochMilli(BASE + 7_000).toString();
        Map<List<String>, long[]> cases = Map.of(
                List.of("--to-earliest"), new long[] {0, 0, 0},
                List.of("--to-latest"), new long[] {10, 10, 10},
                List.of("--to-offset", "3"), new long[] {3, 3, 3},
                List.of("--to-datetime", datetime), new long[] {7, 7, 7},
                List.of("--shift-by", "-2"), new long[] {3, 3, 3});
        for (var c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("reset-offsets", "--group", group, "--topic", topic));
            args.addAll(c.getKey());
            Run dry = groups(args.toArray(String[]::new));
            assertEquals(0, dry.exit(), c.getKey() + ": " + dry.err());
            for (int p = 0; p < PARTITIONS; p++) {
                assertEquals(List.of(topic, "" + p, "5", "" + c.getValue()[p]), dry.row(topic, p), c.getKey() + "\n" + dry.out());
            }
            assertTrue(dry.out().contains("dry run: nothing changed; add --execute"), dry.out());
            assertEquals(before, committed(group), c.getKey() + " dry run must not change anything");
        }

        // Partitions listed explicitly; --to-offset beyond the log end is kept at the end.
        Run some = groups("reset-offsets", "--group", group, "--topic", topic + ":0,2", "--to-offset", "99", "--dry-run");
        assertEquals(0, some.exit(), some.err());
        assertEquals(List.of(topic, "0", "5", "10"), some.row(topic, 0));
        assertEquals(List.of(topic, "2", "5", "10"), some.row(topic, 2));
        assertEquals(2, some.rows(topic).size());
        assertTrue(some.err().contains("after the log-end offset 10; using 10"), some.err());

        // Execute, one target per partition, and check with Admin.
        assertEquals(0, groups("reset-offsets", "--group", group, "--topic", topic + ":0", "--to-earliest", "--execute").exit());
        assertEquals(0, groups("reset-offsets", "--group", group, "--topic", topic + ":1", "--to-datetime", datetime,
                "--execute").exit());
        Run executed = groups("reset-offsets", "--group", group, "--topic", topic + ":2", "--to-offset", "8", "--execute");
        assertEquals(0, executed.exit(), executed.err());
        assertTrue(executed.out().contains("done: committed new offsets for 1 partition(s)"), executed.out());
        assertEquals(offsets(topic, 0, 7, 8), committed(group));

        Run shifted = groups("reset-offsets", "--group", group, "--all-topics", "--shift-by", "1", "--execute");
        assertEquals(0, shifted.exit(), shifted.err());
        assertEquals(offsets(topic, 1, 8, 9), committed(group));

        // A consumer of the group starts where the reset put it.
        try (KafkaConsumer<String, String> consumer = consumer(group)) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int expected = (10 - 1) + (10 - 8) + (10 - 9);
            while (read.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            Map<Integer, Long> first = new HashMap<>();
            read.forEach(r -> first.merge(r.partition(), r.offset(), Math::min));
            assertEquals(Map.of(0, 1L, 1, 8L, 2, 9L), first);
            assertEquals(expected, read.size());
        }
    }

    @Test
    void resetOffsetsRefusesAnActiveGroupAndTheCoordinatorRefusesTheCommitToo() throws Exception {
        String topic = "active-topic";
        String group = "busy";
        createTopic(topic);
        try (PollingConsumer member = activeMember(group, topic)) {
            member.call(c -> {
                c.commitSync(offsets(topic, 2, 2, 2));
                return null;
            });
            Run refused = groups("reset-offsets", "--group", group, "--all-topics", "--to-earliest", "--execute");
            assertEquals(1, refused.exit(), refused.out());
            assertTrue(refused.err().contains("cannot reset the offsets of group 'busy': it is Stable with 1 member(s)"
                    + " (client-busy); offsets can only be reset while the group is inactive"), refused.err());
            assertFalse(refused.out().contains("NEW-OFFSET"), refused.out());
            assertEquals(offsets(topic, 2, 2, 2), committed(group));

            // Between the tool's check and its commit the coordinator itself refuses (as Kafka's does).
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.alterConsumerGroupOffsets(group, offsets(topic, 0, 0, 0)).all().get());
            assertInstanceOf(UnknownMemberIdException.class, e.getCause());
            assertEquals(offsets(topic, 2, 2, 2), committed(group));
        }
    }

    @Test
    void newGroupsBadInputAndUnreachableBrokersGetClearMessages() throws Exception {
        String topic = "errors-topic";
        createTopic(topic);

        // A group that does not exist yet gets its first offsets.
        Run fresh = groups("reset-offsets", "--group", "fresh", "--topic", topic, "--to-latest", "--execute");
        assertEquals(0, fresh.exit(), fresh.err());
        assertTrue(fresh.out().contains("STATE (new group)"), fresh.out());
        assertEquals(offsets(topic, 10, 10, 10), committed("fresh"));

        Run noTarget = groups("reset-offsets", "--group", "g", "--topic", topic);
        assertEquals(2, noTarget.exit());
        assertTrue(noTarget.err().contains("--to-earliest"), noTarget.err());
        Run twoTargets = groups("reset-offsets", "--group", "g", "--topic", topic, "--to-earliest", "--to-latest");
        assertEquals(2, twoTargets.exit());
        assertTrue(twoTargets.err().contains("mutually exclusive"), twoTargets.err());
        Run noGroup = groups("describe");
        assertEquals(2, noGroup.exit());
        assertTrue(noGroup.err().contains("--group"), noGroup.err());
        Run badTime = groups("reset-offsets", "--group", "g", "--topic", topic, "--to-datetime", "yesterday");
        assertEquals(2, badTime.exit());
        assertTrue(badTime.err().contains("'yesterday' is not an ISO-8601 date-time"), badTime.err());
        Run badPartition = groups("reset-offsets", "--group", "g", "--topic", topic + ":7", "--to-earliest");
        assertEquals(1, badPartition.exit());
        assertTrue(badPartition.err().contains("topic 'errors-topic' has no partition 7"), badPartition.err());
        Run noTopic = groups("reset-offsets", "--group", "g", "--topic", "no-such-topic", "--to-earliest");
        assertEquals(1, noTopic.exit());
        assertTrue(noTopic.err().contains("topic 'no-such-topic' does not exist"), noTopic.err());
        Run noOffsets = groups("reset-offsets", "--group", "g", "--all-topics", "--to-earliest");
        assertEquals(1, noOffsets.exit());
        assertTrue(noOffsets.err().contains("has no committed offsets"), noOffsets.err());
        Run noShift = groups("reset-offsets", "--group", "g", "--topic", topic, "--shift-by", "1");
        assertEquals(1, noShift.exit());
        assertTrue(noShift.err().contains("no committed offset for it"), noShift.err());

        Run unreachable = run("list", "--bootstrap-server", "127.0.0.1:1", "--timeout-ms", "1500");
        assertEquals(1, unreachable.exit());
        assertTrue(unreachable.err().contains("no answer from 127.0.0.1:1 within 1500 ms"), unreachable.err());
        assertEquals(2, run().exit(), "no subcommand");
        assertEquals(0, run("reset-offsets", "--help").exit());
    }

    @Test
    void theToolUsesNoBrokerClasses() throws Exception {
        try (var files = java.nio.file.Files.walk(Path.of("src/main/java/dev/weir/log/tools"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                for (String line : java.nio.file.Files.readAllLines(file)) {
                    if (line.startsWith("import") && line.contains("dev.weir.") && !line.contains("dev.weir.log.tools.")) {
                        throw new AssertionError(file + " imports a broker class: " + line);
                    }
                }
            }
        }
    }
}
