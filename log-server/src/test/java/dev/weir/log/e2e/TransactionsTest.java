package dev.weir.log.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kafka-clients acceptance tests for transactions on one in-process broker: commit and abort as
 * read_committed and read_uncommitted consumers see them, zombie fencing by transactional.id, a
 * consume-transform-produce loop with {@code sendOffsetsToTransaction}, and a transaction aborted by the
 * coordinator when it outlives its timeout. Each test uses its own topics and transactional ids.
 */
@Tag("fast")
class TransactionsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = new TestBroker(dir, Map.of(
                "transaction.state.log.num.partitions", "3",
                "offsets.topic.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200",
                "group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    // --- commit and abort as consumers see them ---

    @Test
    void readCommittedSeesCommittedAndNonTransactionalRecordsButNeverAbortedOnes() throws Exception {
        createTopic("mixed", 3);
        try (KafkaProducer<String, String> txn = transactional("mixed-id", Map.of());
             KafkaProducer<String, String> plain = broker.producer(Map.of())) {
            txn.initTransactions();
            sendTxn(txn, "mixed", "c1", true);
            sendTxn(txn, "mixed", "a2", false);
            for (int p = 0; p < 3; p++) {
                plain.send(new ProducerRecord<>("mixed", p, "k", "n-" + p)).get(30, TimeUnit.SECONDS);
            }
            sendTxn(txn, "mixed", "a3", false);
            sendTxn(txn, "mixed", "c4", true);
        }
        // Per partition, in write order (markers take offsets but are not records).
        Map<Integer, List<String>> uncommitted = readAll("mixed", 3, "read_uncommitted", 4 * 3 * 2 + 3);
        Map<Integer, List<String>> committed = readAll("mixed", 3, "read_committed", 2 * 3 * 2 + 3);
        for (int p = 0; p < 3; p++) {
            assertEquals(List.of("c1-" + p + "-0", "c1-" + p + "-1", "a2-" + p + "-0", "a2-" + p + "-1", "n-" + p,
                    "a3-" + p + "-0", "a3-" + p + "-1", "c4-" + p + "-0", "c4-" + p + "-1"), uncommitted.get(p),
                    "read_uncommitted, partition " + p);
            assertEquals(List.of("c1-" + p + "-0", "c1-" + p + "-1", "n-" + p, "c4-" + p + "-0", "c4-" + p + "-1"),
                    committed.get(p), "read_committed, partition " + p);
        }
    }

    @Test
    void readCommittedStopsAtAnOpenTransactionUntilItCommits() throws Exception {
        createTopic("open", 1);
        TopicPartition tp = new TopicPartition("open", 0);
        try (KafkaProducer<String, String> txn = transactional("open-id", Map.of());
             KafkaProducer<String, String> plain = broker.producer(Map.of());
             KafkaConsumer<String, String> committed = assigned(tp, "read_committed");
             KafkaConsumer<String, String> uncommitted = assigned(tp, "read_uncommitted")) {
            plain.send(new ProducerRecord<>("open", 0, "k", "before")).get(30, TimeUnit.SECONDS);
            txn.initTransactions();
            txn.beginTransaction();
            long openOffset = txn.send(new ProducerRecord<>("open", 0, "k", "open")).get(30, TimeUnit.SECONDS).offset();
            plain.send(new ProducerRecord<>("open", 0, "k", "after")).get(30, TimeUnit.SECONDS);

            List<String> seenUncommitted = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                uncommitted.poll(Duration.ofMillis(100)).forEach(r -> seenUncommitted.add(r.value()));
                return seenUncommitted.size() >= 3;
            });
            assertEquals(List.of("before", "open", "after"), seenUncommitted);

            // The last stable offset is the open transaction's first offset: read_committed ends there.
            assertEquals(openOffset, committed.endOffsets(List.of(tp)).get(tp), "read_committed end offset");
            assertEquals(openOffset + 2, uncommitted.endOffsets(List.of(tp)).get(tp), "read_uncommitted end offset");
            List<String> seenCommitted = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                committed.poll(Duration.ofMillis(100)).forEach(r -> seenCommitted.add(r.value()));
                return !seenCommitted.isEmpty();
            });
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> {
                committed.poll(Duration.ofMillis(100)).forEach(r -> seenCommitted.add(r.value()));
                return seenCommitted.equals(List.of("before"));
            });
            assertEquals(openOffset, committed.position(tp), "read_committed waits at the open transaction");

            txn.commitTransaction();
            await().atMost(WAIT).until(() -> {
                committed.poll(Duration.ofMillis(100)).forEach(r -> seenCommitted.add(r.value()));
                return seenCommitted.size() >= 3;
            });
            assertEquals(List.of("before", "open", "after"), seenCommitted);
            // open, after, the commit marker
            assertEquals(openOffset + 3, committed.endOffsets(List.of(tp)).get(tp), "LSO past the commit marker");
        }
    }

    // --- fencing ---

    @Test
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirstAndAbortsItsOpenTransaction() throws Exception {
        createTopic("fence", 2);
        try (KafkaProducer<String, String> first = transactional("fence-id", Map.of());
             KafkaProducer<String, String> second = transactional("fence-id", Map.of());
             Admin admin = broker.admin()) {
            first.initTransactions();
            first.beginTransaction();
            first.send(new ProducerRecord<>("fence", 0, "k", "zombie-0")).get(30, TimeUnit.SECONDS);

            second.initTransactions(); // aborts first's open transaction, then bumps the epoch again
            TransactionDescription d = describe(admin, "fence-id");
            assertEquals(TransactionState.EMPTY, d.state());
            assertEquals(2, d.producerEpoch(), "one bump to abort the open transaction, one for the new producer");

            // The next send needs partition 1 added to the transaction: the coordinator says PRODUCER_FENCED.
            // (A send to partition 0, already in the transaction, would get INVALID_PRODUCER_EPOCH from the
            // partition leader, as from Kafka's, and the commit or abort after it PRODUCER_FENCED.)
            Exception onSend = assertThrows(Exception.class,
                    () -> first.send(new ProducerRecord<>("fence", 1, "k", "zombie-1")).get(30, TimeUnit.SECONDS));
            assertTrue(causedBy(onSend, ProducerFencedException.class), "expected ProducerFencedException, got " + onSend);
            Exception onCommit = assertThrows(Exception.class, first::commitTransaction);
            assertTrue(causedBy(onCommit, ProducerFencedException.class),
                    "expected ProducerFencedException, got " + onCommit);

            second.beginTransaction();
            second.send(new ProducerRecord<>("fence", 0, "k", "live-0"));
            second.send(new ProducerRecord<>("fence", 1, "k", "live-1"));
            second.commitTransaction();
        }
        Map<Integer, List<String>> committed = readAll("fence", 2, "read_committed", 2);
        assertEquals(List.of("live-0"), committed.get(0));
        assertEquals(List.of("live-1"), committed.get(1));
        Map<Integer, List<String>> uncommitted = readAll("fence", 2, "read_uncommitted", 3);
        assertEquals(List.of("zombie-0", "live-0"), uncommitted.get(0), "the zombie's record is there, aborted");
        assertEquals(List.of("live-1"), uncommitted.get(1), "the fenced send wrote nothing");
    }

    // --- consume-transform-produce ---

    @Test
    void sendOffsetsToTransactionCommitsOffsetsAndOutputTogetherOrNeither() throws Exception {
        createTopic("ctp-in", 2);
        createTopic("ctp-out", 2);
        String group = "ctp-group";
        try (KafkaProducer<String, String> plain = broker.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                plain.send(new ProducerRecord<>("ctp-in", i % 2, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        List<TopicPartition> inputs = List.of(new TopicPartition("ctp-in", 0), new TopicPartition("ctp-in", 1));
        try (KafkaProducer<String, String> producer = transactional("ctp-id", Map.of());
             KafkaConsumer<String, String> consumer = broker.consumer(Map.of(
                     ConsumerConfig.GROUP_ID_CONFIG, group,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
             Admin admin = broker.admin()) {
            producer.initTransactions();
            consumer.subscribe(List.of("ctp-in"));

            // Round 1: transform everything, then abort.
            List<ConsumerRecord<String, String>> batch = pollAtLeast(consumer, 10);
            producer.beginTransaction();
            transform(producer, batch);
            producer.sendOffsetsToTransaction(nextOffsets(batch), consumer.groupMetadata());
            producer.flush(); // so the aborted output is written (abortTransaction drops unsent records)
            producer.abortTransaction();

            assertTrue(committedOffsets(admin, group).isEmpty(), "no offsets after the abort");
            assertEquals(0, readAll("ctp-out", 2, "read_committed", 0).values().stream().mapToInt(List::size).sum(),
                    "no output visible after the abort");

            // The application rewinds to the committed offsets (none: the beginning) and processes again.
            consumer.seekToBeginning(consumer.assignment());
            batch = pollAtLeast(consumer, 10);
            producer.beginTransaction();
            transform(producer, batch);
            producer.sendOffsetsToTransaction(nextOffsets(batch), consumer.groupMetadata());
            producer.commitTransaction();

            Map<TopicPartition, OffsetAndMetadata> offsets = committedOffsets(admin, group);
            assertEquals(Map.of(inputs.get(0), 5L, inputs.get(1), 5L), offsets.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
        }
        List<String> out = readAll("ctp-out", 2, "read_committed", 10).values().stream().flatMap(List::stream)
                .sorted().toList();
        assertEquals(IntStream.range(0, 10).mapToObj(i -> "V" + i).sorted().toList(), out,
                "every input record transformed exactly once under read_committed");
        assertEquals(20, readAll("ctp-out", 2, "read_uncommitted", 20).values().stream().mapToInt(List::size).sum(),
                "read_uncommitted also sees the aborted round");
    }

    private static void transform(KafkaProducer<String, String> producer, List<ConsumerRecord<String, String>> batch) {
        for (ConsumerRecord<String, String> r : batch) {
            producer.send(new ProducerRecord<>("ctp-out", r.partition(), r.key(), r.value().toUpperCase()));
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<String, String>> batch) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            out.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return out;
    }

    private static List<ConsumerRecord<String, String>> pollAtLeast(KafkaConsumer<String, String> consumer, int n) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            return out.size() >= n;
        });
        assertEquals(n, out.size());
        return out;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        m.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    // --- timeout ---

    @Test
    void aTransactionPastItsTimeoutIsAbortedByTheCoordinatorAndItsProducerFenced() throws Exception {
        createTopic("timeout", 1);
        TopicPartition tp = new TopicPartition("timeout", 0);
        try (KafkaProducer<String, String> producer = transactional("timeout-id",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000));
             Admin admin = broker.admin();
             KafkaConsumer<String, String> committed = assigned(tp, "read_committed")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("timeout", 0, "k", "late")).get(30, TimeUnit.SECONDS);

            await().atMost(WAIT).ignoreExceptions()
                    .until(() -> describe(admin, "timeout-id").state() == TransactionState.COMPLETE_ABORT);
            assertEquals(1, describe(admin, "timeout-id").producerEpoch(), "the abort bumped the epoch");
            // The abort marker is written: the LSO moved past the record and its marker.
            assertEquals(2L, committed.endOffsets(List.of(tp)).get(tp));

            // The partition has seen the abort marker's newer epoch: it refuses the old one, as Kafka's does
            // (INVALID_PRODUCER_EPOCH, an abortable error for the client) ...
            Exception onSend = assertThrows(Exception.class,
                    () -> producer.send(new ProducerRecord<>("timeout", 0, "k", "later")).get(30, TimeUnit.SECONDS));
            assertTrue(causedBy(onSend, InvalidProducerEpochException.class),
                    "expected InvalidProducerEpochException, got " + onSend);
            // ... and the coordinator says the producer is fenced when it ends the transaction.
            Exception onAbort = assertThrows(Exception.class, producer::abortTransaction);
            assertTrue(causedBy(onAbort, ProducerFencedException.class), "expected ProducerFencedException, got "
                    + onAbort);
        }
        assertEquals(List.of(), readAll("timeout", 1, "read_committed", 0).get(0));
        assertEquals(List.of("late"), readAll("timeout", 1, "read_uncommitted", 1).get(0));
    }

    // --- helpers ---

    private static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, String> transactional(String id, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
        p.putAll(extra);
        return broker.producer(p);
    }

    /** One transaction of two records per partition ("prefix-partition-i"), committed or aborted. */
    private static void sendTxn(KafkaProducer<String, String> producer, String topic, String prefix, boolean commit) {
        producer.beginTransaction();
        for (int i = 0; i < 2; i++) {
            for (int p = 0; p < 3; p++) {
                producer.send(new ProducerRecord<>(topic, p, "k", prefix + "-" + p + "-" + i));
            }
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    private static KafkaConsumer<String, String> assigned(TopicPartition tp, String isolation) {
        KafkaConsumer<String, String> c = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        return c;
    }

    /**
     * Reads every partition of {@code topic} from the start to its end offset for {@code isolation} (the LSO for
     * read_committed), by value per partition; checks that exactly {@code expected} records were read.
     */
    private static Map<Integer, List<String>> readAll(String topic, int partitions, String isolation, int expected) {
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        Map<Integer, List<String>> out = new HashMap<>();
        tps.forEach(tp -> out.put(tp.partition(), new ArrayList<>()));
        try (KafkaConsumer<String, String> c = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            await().atMost(WAIT).until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> out.get(r.partition()).add(r.value()));
                return tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
            });
        }
        assertEquals(expected, out.values().stream().mapToInt(List::size).sum(), isolation + " read " + out);
        return out;
    }

    private static TransactionDescription describe(Admin admin, String id) throws Exception {
        return admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
