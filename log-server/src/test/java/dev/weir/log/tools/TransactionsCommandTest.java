package dev.weir.log.tools;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.RawKafkaClient;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir transactions} end to end against an in-process broker: list, describe and describe-producers
 * show a kafka-clients transactional producer's open transaction; find-hanging leaves transactions a
 * coordinator owns alone and finds one no coordinator knows (transactional batches written with a bare
 * producer id), and abort ends it so the last stable offset, and a read_committed consumer, move past it.
 */
@Tag("fast")
class TransactionsCommandTest {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;
    static int nodeId;

    @BeforeAll
    static void start() {
        broker = new TestBroker(dir, Map.of(
                "transaction.state.log.num.partitions", "3",
                "offsets.topic.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200",
                "group.initial.rebalance.delay.ms", "0"));
        admin = broker.admin();
        nodeId = broker.broker().config().nodeId();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private static void createTopic(String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    private static KafkaProducer<String, String> transactional(String id, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
        p.putAll(extra);
        return broker.producer(p);
    }

    private static long lastStableOffset(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
    }

    private static KafkaConsumer<String, String> readCommitted(TopicPartition tp) {
        KafkaConsumer<String, String> c = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        return c;
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

        List<String> row(String first) {
            List<List<String>> rows = rows(first);
            assertEquals(1, rows.size(), () -> "one row starting with " + first + " expected in:\n" + out + err);
            return rows.get(0);
        }
    }

    private static Run transactions(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--bootstrap-server");
        all.add(broker.bootstrap());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = TransactionsCommand.execute(all.toArray(String[]::new),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listDescribeAndDescribeProducersShowAnOpenTransaction() throws Exception {
        String topic = "open-txn";
        createTopic(topic);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = transactional("tools-open", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i)).get(30, TimeUnit.SECONDS);
            }
            long pid = admin.describeTransactions(List.of("tools-open")).description("tools-open").get().producerId();
            String p = Long.toString(pid);
            long before = System.currentTimeMillis();

            Run list = transactions("list");
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().startsWith("TRANSACTIONAL-ID"), list.out());
            List<String> row = list.row("tools-open");
            assertEquals(List.of("tools-open", Integer.toString(nodeId), "Ongoing", p, "0"), row.subList(0, 5));
            assertTrue(Long.parseLong(row.get(5)) >= 0, list.out());

            assertEquals(1, transactions("list", "--state", "ongoing,PrepareCommit").rows("tools-open").size());
            assertEquals(0, transactions("list", "--state", "CompleteCommit").rows("tools-open").size());
            Run byProducer = transactions("list", "--producer-id", p);
            assertEquals(List.of("tools-open"), byProducer.out().lines().skip(1).map(l -> l.split("\\s+")[0]).toList());
            assertEquals(1, transactions("list", "--transactional-id-pattern", "tools-.*").rows("tools-open").size());
            assertEquals(0, transactions("list", "--min-duration-ms", "3600000").rows("tools-open").size());
            Run bad = transactions("list", "--state", "Sleeping");
            assertEquals(2, bad.exit());
            assertTrue(bad.err().contains("unknown transaction state 'Sleeping'"), bad.err());

            Run describe = transactions("describe", "--transactional-id", "tools-open");
            assertEquals(0, describe.exit(), describe.err());
            List<String> d = describe.row(Integer.toString(nodeId));
            assertEquals(List.of(Integer.toString(nodeId), "tools-open", p, "0", "Ongoing", "60000"), d.subList(0, 6));
            long startMs = Instant.parse(d.get(6)).toEpochMilli();
            assertTrue(startMs <= before && startMs > before - 60_000, describe.out());
            assertEquals(topic + "-0", d.get(8));

            Run missing = transactions("describe", "--transactional-id", "nobody");
            assertEquals(1, missing.exit(), missing.out());
            assertTrue(missing.err().contains("transactional id 'nobody' is not known"), missing.err());

            Run producers = transactions("describe-producers", "--topic", topic, "--partition", "0");
            assertEquals(0, producers.exit(), producers.err());
            List<String> ps = producers.row(p);
            assertEquals(List.of(p, "0", "2"), ps.subList(0, 3));
            assertTrue(Instant.parse(ps.get(3)).toEpochMilli() <= System.currentTimeMillis(), producers.out());
            assertEquals("0", ps.get(5), "the open transaction starts at offset 0:\n" + producers.out());

            // Open, but its coordinator owns it: not hanging however old.
            Thread.sleep(20);
            Run owned = transactions("find-hanging", "--topic", topic, "--max-transaction-timeout", "0ms");
            assertEquals(0, owned.exit(), owned.err());
            assertEquals(0, owned.rows(topic).size(), owned.out());
            assertTrue(owned.err().contains("no hanging transactions on 1 partition(s) (1 open longer than 0 ms"),
                    owned.err());

            producer.commitTransaction();
            Run committed = transactions("describe-producers", "--topic", topic, "--partition", "0");
            assertEquals("-", committed.row(p).get(5), committed.out());
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> transactions("list").row("tools-open").get(2).equals("CompleteCommit"));
            assertEquals("-", transactions("list").row("tools-open").get(5), "no duration once complete");
            assertEquals(4, lastStableOffset(tp));
        }

        Run noPartition = transactions("describe-producers", "--topic", topic, "--partition", "4");
        assertEquals(1, noPartition.exit(), noPartition.out());
        assertTrue(noPartition.err().contains("topic 'open-txn' has 1 partition(s), 0..0"), noPartition.err());
        Run unknown = transactions("describe-producers", "--topic", "no-such-topic", "--partition", "0");
        assertEquals(1, unknown.exit(), unknown.out());
        assertTrue(unknown.err().contains("partition no-such-topic-0 does not exist: there is no topic 'no-such-topic'"), unknown.err());
    }

    @Test
    void aProducerClosedMidTransactionIsOwnedByItsCoordinatorUntilItTimesOut() throws Exception {
        String topic = "closed-txn";
        createTopic(topic);
        TopicPartition tp = new TopicPartition(topic, 0);
        KafkaProducer<String, String> producer = transactional("tools-closed",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 3000));
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, 0, "k", "lost")).get(30, TimeUnit.SECONDS);
        producer.close(Duration.ZERO); // a forced close does not abort (a graceful one would)

        Thread.sleep(20);
        Run owned = transactions("find-hanging", "--topic", topic, "--max-transaction-timeout", "0ms");
        assertEquals(0, owned.exit(), owned.err());
        assertEquals(0, owned.rows(topic).size(), "the coordinator still owns it:\n" + owned.out());

        await().atMost(Duration.ofSeconds(30)).until(
                () -> transactions("list").row("tools-closed").get(2).equals("CompleteAbort"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lastStableOffset(tp) == 2);
    }

    @Test
    void aHangingTransactionIsFoundAndAbortedSoReadCommittedConsumersMovePastIt() throws Exception {
        String topic = "hanging-txn";
        createTopic(topic);
        TopicPartition tp = new TopicPartition(topic, 0);
        long pid;
        short epoch;
        // Transactional batches from a producer id no coordinator knows: nothing will ever end them.
        try (RawKafkaClient raw = RawKafkaClient.connect(broker.bootstrap())) {
            InitProducerIdResponseData id = raw.initProducerId();
            pid = id.producerId();
            epoch = id.producerEpoch();
            var produced = raw.produce(topic, 0, RawKafkaClient.transactionalRecords(pid, epoch, 0, "h0", "h1", "h2"));
            assertEquals(0, produced.errorCode());
            assertEquals(0, produced.baseOffset());
        }
        try (KafkaProducer<String, String> plain = broker.producer(Map.of())) {
            plain.send(new ProducerRecord<>(topic, 0, "k", "after")).get(30, TimeUnit.SECONDS);
        }
        String p = Long.toString(pid);
        assertEquals(0, lastStableOffset(tp), "the open transaction pins the last stable offset");
        try (KafkaConsumer<String, String> consumer = readCommitted(tp)) {
            assertTrue(consumer.poll(Duration.ofMillis(500)).isEmpty());
            assertEquals(0, consumer.position(tp));
        }

        Run young = transactions("find-hanging", "--topic", topic);
        assertEquals(0, young.exit(), young.err());
        assertEquals(0, young.rows(topic).size(), "younger than the default 15 minutes:\n" + young.out());

        Thread.sleep(20);
        for (String[] scope : List.of(new String[] {"--topic", topic},
                new String[] {"--topic", topic, "--partition", "0"},
                new String[] {"--broker-id", Integer.toString(nodeId)})) {
            List<String> args = new ArrayList<>(List.of("find-hanging", "--max-transaction-timeout", "0ms"));
            args.addAll(List.of(scope));
            Run found = transactions(args.toArray(String[]::new));
            assertEquals(0, found.exit(), found.err());
            List<String> row = found.row(topic);
            assertEquals(List.of(topic, "0", p, Short.toString(epoch), "-", "0"), row.subList(0, 6), found.out());
            assertTrue(found.err().contains("abort --bootstrap-server " + broker.bootstrap() + " --topic " + topic
                    + " --partition 0 --start-offset 0"), found.err());
        }

        Run wrongOffset = transactions("abort", "--topic", topic, "--partition", "0", "--start-offset", "3");
        assertEquals(1, wrongOffset.exit(), wrongOffset.out());
        assertTrue(wrongOffset.err().contains("no open transaction starts at offset 3 on " + topic
                + "-0; open ones start at: 0 (producer " + p + ")"), wrongOffset.err());
        assertEquals(0, lastStableOffset(tp));

        Run abort = transactions("abort", "--topic", topic, "--partition", "0", "--start-offset", "0");
        assertEquals(0, abort.exit(), abort.err());
        assertTrue(abort.out().startsWith("aborted the transaction of producer " + p + " (epoch " + epoch
                + ", coordinator epoch 0) on " + topic + "-0"), abort.out());

        assertEquals(5, lastStableOffset(tp), "3 aborted records, 'after', the ABORT marker");
        try (KafkaConsumer<String, String> consumer = readCommitted(tp)) {
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return consumer.position(tp) == 5;
            });
            assertEquals(List.of("after"), values, "the aborted records are skipped");
        }
        assertEquals("-", transactions("describe-producers", "--topic", topic, "--partition", "0").row(p).get(5));
        Run none = transactions("find-hanging", "--topic", topic, "--max-transaction-timeout", "0ms");
        assertEquals(0, none.rows(topic).size(), none.out());
        assertTrue(none.err().contains("no hanging transactions"), none.err());
    }

    @Test
    void badUsageExitsWithTwo() {
        Run noScope = transactions("find-hanging");
        assertEquals(2, noScope.exit());
        assertTrue(noScope.err().contains("--broker-id or --topic"), noScope.err());
        Run partitionOnly = transactions("find-hanging", "--partition", "0");
        assertEquals(2, partitionOnly.exit());
        assertTrue(partitionOnly.err().contains("--partition needs --topic"), partitionOnly.err());
        Run badDuration = transactions("find-hanging", "--topic", "t", "--max-transaction-timeout", "soon");
        assertEquals(2, badDuration.exit());
        assertTrue(badDuration.err().contains("is not a duration"), badDuration.err());
        Run noTarget = transactions("abort", "--topic", "t", "--partition", "0");
        assertEquals(2, noTarget.exit());
        Run half = transactions("abort", "--topic", "t", "--partition", "0", "--producer-id", "5");
        assertEquals(2, half.exit(), half.err());
        assertEquals(2, transactions().exit());
    }

    @Test
    void durationsAreMinutesByDefaultAsInKafka() {
        assertEquals(900_000, TransactionsCommand.parseDuration("15"));
        assertEquals(500, TransactionsCommand.parseDuration("500ms"));
        assertEquals(30_000, TransactionsCommand.parseDuration("30s"));
        assertEquals(60_000, TransactionsCommand.parseDuration("1m"));
        assertEquals(3_600_000, TransactionsCommand.parseDuration("1h"));
    }
}
