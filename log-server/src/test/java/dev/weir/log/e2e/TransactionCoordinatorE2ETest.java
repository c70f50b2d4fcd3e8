package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction coordinator through kafka-clients' transactional producer and Admin on one in-process
 * broker: what the coordinator decides and reports (states, epochs, partitions, listings, recovery). EndTxn
 * answers once PrepareCommit/PrepareAbort is written; the markers and CompleteCommit/CompleteAbort follow in
 * the background, so the tests wait for the Complete state. What consumers see of commits and aborts is in
 * {@link TransactionsTest}.
 */
@Tag("fast")
class TransactionCoordinatorE2ETest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir, Map.of(
                "transaction.state.log.num.partitions", "3",
                "offsets.topic.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200",
                "group.initial.rebalance.delay.ms", "0"));
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("t", 2, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static KafkaProducer<String, String> producer(String transactionalId, Map<String, Object> extra) {
        Map<String, Object> p = new java.util.HashMap<>(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
        p.putAll(extra);
        return broker.producer(p);
    }

    private static TransactionDescription describe(Admin admin, String id) throws Exception {
        return admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirst() throws Exception {
        try (KafkaProducer<String, String> first = producer("fenced-id", Map.of());
             KafkaProducer<String, String> second = producer("fenced-id", Map.of());
             Admin admin = broker.admin()) {
            first.initTransactions();
            TransactionDescription before = describe(admin, "fenced-id");
            assertEquals(TransactionState.EMPTY, before.state());
            assertEquals(0, before.producerEpoch());
            assertEquals(broker.broker().config().nodeId(), before.coordinatorId());

            second.initTransactions();
            assertEquals(1, describe(admin, "fenced-id").producerEpoch());
            assertEquals(before.producerId(), describe(admin, "fenced-id").producerId());

            first.beginTransaction();
            Exception e = assertThrows(Exception.class, () -> {
                first.send(new ProducerRecord<>("t", 0, "k", "zombie")).get(30, TimeUnit.SECONDS);
                first.commitTransaction();
            });
            assertTrue(isFenced(e), "expected ProducerFencedException, got " + e);
        }
    }

    private static boolean isFenced(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProducerFencedException) {
                return true;
            }
        }
        return false;
    }

    @Test
    void addPartitionsAndEndTxnMoveTheTransactionThroughItsStates() throws Exception {
        try (KafkaProducer<String, String> producer = producer("states-id", Map.of());
             Admin admin = broker.admin()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("t", 0, "k", "v0")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("t", 1, "k", "v1")).get(30, TimeUnit.SECONDS);

            TransactionDescription ongoing = describe(admin, "states-id");
            assertEquals(TransactionState.ONGOING, ongoing.state());
            assertEquals(Set.of(new TopicPartition("t", 0), new TopicPartition("t", 1)), ongoing.topicPartitions());
            assertTrue(ongoing.transactionStartTimeMs().isPresent());
            assertEquals(60_000, ongoing.transactionTimeoutMs());

            Collection<TransactionListing> listed = admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get(30, TimeUnit.SECONDS);
            assertTrue(listed.stream().anyMatch(l -> l.transactionalId().equals("states-id")
                    && l.producerId() == ongoing.producerId()), listed.toString());

            producer.commitTransaction(); // answered once PrepareCommit is written
            // The markers are written on both partitions, then CompleteCommit.
            await(() -> {
                try {
                    return describe(admin, "states-id").state() == TransactionState.COMPLETE_COMMIT;
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(Set.of(), describe(admin, "states-id").topicPartitions(), "no partitions after the commit");
            assertTrue(admin.listTransactions(new ListTransactionsOptions()
                    .filterProducerIds(List.of(ongoing.producerId()))).all().get(30, TimeUnit.SECONDS)
                    .stream().anyMatch(l -> l.transactionalId().equals("states-id")));
        }
    }

    @Test
    void aTransactionPastItsTimeoutIsAbortedAndItsProducerFenced() throws Exception {
        try (KafkaProducer<String, String> producer = producer("timeout-id",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000));
             Admin admin = broker.admin()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("t", 0, "k", "late")).get(30, TimeUnit.SECONDS);
            assertEquals(0, describe(admin, "timeout-id").producerEpoch());

            await(() -> {
                try {
                    TransactionDescription d = describe(admin, "timeout-id");
                    return d.state() == TransactionState.COMPLETE_ABORT;
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(1, describe(admin, "timeout-id").producerEpoch(), "the abort bumps the epoch");
            Exception e = assertThrows(Exception.class, producer::commitTransaction);
            assertTrue(isFenced(e), "expected ProducerFencedException, got " + e);
        }
    }

    @Test
    void sendOffsetsToTransactionAddsTheOffsetsPartitionAndKeepsTheOffsetsPending() throws Exception {
        try (KafkaProducer<String, String> producer = producer("offsets-id", Map.of());
             Admin admin = broker.admin()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("t", 0, "k", "out")).get(30, TimeUnit.SECONDS);
            producer.sendOffsetsToTransaction(Map.of(new TopicPartition("t", 1), new OffsetAndMetadata(5)),
                    new ConsumerGroupMetadata("eos-group"));
            TransactionDescription d = describe(admin, "offsets-id");
            assertTrue(d.topicPartitions().stream().anyMatch(tp -> tp.topic().equals("__consumer_offsets")),
                    d.topicPartitions().toString());
            Map<TopicPartition, OffsetAndMetadata> visible = admin.listConsumerGroupOffsets("eos-group")
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertTrue(visible.isEmpty() || visible.get(new TopicPartition("t", 1)) == null,
                    "offsets of an open transaction are not visible: " + visible);
            producer.commitTransaction();
        }
    }

    @Test
    void theCoordinatorRecoversItsStateAfterARestart() throws Exception {
        long producerId;
        // Left open across the restart: closing a producer aborts its open transaction.
        KafkaProducer<String, String> b = producer("restart-open", Map.of());
        try (KafkaProducer<String, String> a = producer("restart-empty", Map.of());
             Admin admin = broker.admin()) {
            a.initTransactions();
            producerId = describe(admin, "restart-empty").producerId();
            b.initTransactions();
            b.beginTransaction();
            b.send(new ProducerRecord<>("t", 1, "k", "open")).get(30, TimeUnit.SECONDS);
        }
        broker.restart();
        try {
            checkRecovered(producerId);
        } finally {
            b.close(Duration.ofSeconds(1));
        }
    }

    private void checkRecovered(long producerId) throws Exception {
        try (Admin admin = broker.admin()) {
            TransactionDescription empty = describe(admin, "restart-empty");
            assertEquals(TransactionState.EMPTY, empty.state());
            assertEquals(producerId, empty.producerId());
            assertEquals(0, empty.producerEpoch());
            TransactionDescription open = describe(admin, "restart-open");
            assertEquals(TransactionState.ONGOING, open.state());
            assertEquals(Set.of(new TopicPartition("t", 1)), open.topicPartitions());
            try (KafkaProducer<String, String> again = producer("restart-empty", Map.of())) {
                again.initTransactions();
            }
            TransactionDescription bumped = describe(admin, "restart-empty");
            assertEquals(producerId, bumped.producerId());
            assertEquals(1, bumped.producerEpoch(), "the epoch continues from the recovered state");
        }
    }

    private static void await(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }
}
