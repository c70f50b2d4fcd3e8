package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.TransactionMarker;
import dev.weir.log.testing.RawKafkaClient;
import dev.weir.log.testing.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition side of transactions through the wire on one broker: transactional batches produced raw, ended with
 * WriteTxnMarkers, read by kafka-clients consumers under both isolation levels, across a restart, and described with
 * Admin#describeProducers.
 */
@Tag("fast")
class TransactionMarkersTest {
    static final String TOPIC = "txn";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;
    TestBroker broker;
    final List<TransactionMarker> markers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(dir);
        broker.broker().replicas().addTransactionMarkerListener(markers::add);
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void readCommittedSeesCommittedDataOnlyAndStopsAtTheLastStableOffsetAcrossARestart() throws Exception {
        long lso;
        long pidA;
        try (RawKafkaClient client = RawKafkaClient.connect(broker.bootstrap())) {
            InitProducerIdResponseData a = client.initProducerId();
            InitProducerIdResponseData b = client.initProducerId();
            pidA = a.producerId();
            short epochA = a.producerEpoch();
            produce(client, MemoryRecords.withRecords(Compression.NONE, record("p0"), record("p1")));    // 0-1
            produce(client, RawKafkaClient.transactionalRecords(pidA, epochA, 0, "a0", "a1"));        // 2-3
            produce(client, RawKafkaClient.transactionalRecords(b.producerId(), b.producerEpoch(), 0, "b0", "b1")); // 4-5
            assertMarker(ErrorCode.NONE, client.writeTxnMarker(pidA, epochA, 5, true, TOPIC, 0));      // 6
            assertMarker(ErrorCode.NONE, client.writeTxnMarker(b.producerId(), b.producerEpoch(), 5, false, TOPIC, 0)); // 7
            lso = produce(client, RawKafkaClient.transactionalRecords(pidA, epochA, 2, "a2"));        // 8, left open
            produce(client, MemoryRecords.withRecords(Compression.NONE, record("p2")));                // 9
        }
        assertEquals(8, lso);
        assertEquals(List.of(new TransactionMarker(TP, pidA, (short) 0, true, 6)), markers.subList(0, 1));
        assertEquals(2, markers.size());

        assertEquals(List.of("p0", "p1", "a0", "a1"), readCommitted(lso));
        assertEquals(List.of("p0", "p1", "a0", "a1", "b0", "b1", "a2", "p2"), readUncommitted(10));
        ProducerState a = describe(pidA);
        assertEquals(8, a.currentTransactionStartOffset().orElse(-1));
        assertEquals(5, a.coordinatorEpoch().orElse(-1));
        assertEquals(2, a.lastSequence());

        broker.restart();
        broker.broker().replicas().addTransactionMarkerListener(markers::add);

        assertEquals(List.of("p0", "p1", "a0", "a1"), readCommitted(lso));
        assertEquals(List.of("p0", "p1", "a0", "a1", "b0", "b1", "a2", "p2"), readUncommitted(10));
        assertEquals(8, describe(pidA).currentTransactionStartOffset().orElse(-1));

        // As after a crash: no clean-shutdown marker, nothing known flushed, snapshots and transaction index lost.
        crashRestart();
        assertEquals(List.of("p0", "p1", "a0", "a1"), readCommitted(lso));
        assertEquals(List.of("p0", "p1", "a0", "a1", "b0", "b1", "a2", "p2"), readUncommitted(10));
        assertEquals(8, describe(pidA).currentTransactionStartOffset().orElse(-1));

        try (RawKafkaClient client = RawKafkaClient.connect(broker.bootstrap())) {
            assertMarker(ErrorCode.NONE, client.writeTxnMarker(pidA, (short) 0, 5, true, TOPIC, 0)); // 10
        }
        assertEquals(List.of("p0", "p1", "a0", "a1", "a2", "p2"), readCommitted(11));
        assertEquals(-1, describe(pidA).currentTransactionStartOffset().orElse(-1));
        assertEquals(new TransactionMarker(TP, pidA, (short) 0, true, 10), markers.get(markers.size() - 1));
    }

    @Test
    void fencedOrMisdirectedMarkersGetPartitionErrors() throws Exception {
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("other", 2, (short) 1))).all().get();
        }
        try (RawKafkaClient client = RawKafkaClient.connect(broker.bootstrap())) {
            InitProducerIdResponseData p = client.initProducerId();
            long pid = p.producerId();
            produce(client, RawKafkaClient.transactionalRecords(pid, (short) 0, 0, "x"));
            // The coordinator fenced the producer: it aborts with a bumped epoch.
            assertMarker(ErrorCode.NONE, client.writeTxnMarker(pid, (short) 1, 2, false, TOPIC, 0));
            assertMarker(ErrorCode.INVALID_PRODUCER_EPOCH, client.writeTxnMarker(pid, (short) 0, 2, true, TOPIC, 0));
            assertMarker(ErrorCode.TRANSACTION_COORDINATOR_FENCED, client.writeTxnMarker(pid, (short) 1, 1, true, TOPIC, 0));
            assertMarker(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, client.writeTxnMarker(pid, (short) 1, 2, true, "nope", 0));
            assertMarker(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, client.writeTxnMarker(pid, (short) 1, 2, true, TOPIC, 3));
            // Several partitions in one marker: each answered.
            WriteTxnMarkersResponseData both = client.writeTxnMarker(pid, (short) 1, 2, true, "other", 0, 1);
            assertEquals(List.of(0, 0), both.markers().get(0).topics().get(0).partitions().stream()
                    .map(r -> (int) r.errorCode()).toList());
            // Clients still cannot write control batches themselves.
            ProduceResponseData.PartitionProduceResponse refused = client.produce(TOPIC, 0,
                    MemoryRecords.withEndTransactionMarker(0L, System.currentTimeMillis(), -1, pid, (short) 1,
                            new org.apache.kafka.common.record.internal.EndTransactionMarker(
                                    org.apache.kafka.common.record.internal.ControlRecordType.COMMIT, 2)));
            assertEquals(ErrorCode.INVALID_RECORD.code(), refused.errorCode());
        }
        assertEquals(3, markers.size(), "listeners hear only markers that were written: " + markers);
    }

    private void crashRestart() throws Exception {
        broker.close();
        Path partitionDir = dir.resolve(TOPIC + "-0");
        try (var files = Files.list(partitionDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals(".clean-shutdown") || name.endsWith(".snapshot") || name.endsWith(".txnindex")) {
                    Files.delete(f);
                }
            }
        }
        Files.writeString(partitionDir.resolve("recovery-point"), "0\n");
        broker = new TestBroker(dir);
        broker.broker().replicas().addTransactionMarkerListener(markers::add);
    }

    private static SimpleRecord record(String value) {
        return new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Produces to partition 0 and returns the base offset. */
    private static long produce(RawKafkaClient client, MemoryRecords records) throws Exception {
        ProduceResponseData.PartitionProduceResponse r = client.produce(TOPIC, 0, records);
        assertEquals(0, r.errorCode(), r.errorMessage());
        return r.baseOffset();
    }

    private static void assertMarker(ErrorCode expected, WriteTxnMarkersResponseData response) {
        assertEquals(expected.code(), response.markers().get(0).topics().get(0).partitions().get(0).errorCode(),
                response.toString());
    }

    private ProducerState describe(long pid) throws Exception {
        try (var admin = broker.admin()) {
            PartitionProducerState state = admin.describeProducers(List.of(TP)).partitionResult(TP).get();
            return state.activeProducers().stream().filter(p -> p.producerId() == pid).findFirst().orElseThrow();
        }
    }

    private List<String> readCommitted(long expectedEnd) {
        return read("read_committed", expectedEnd);
    }

    private List<String> readUncommitted(long expectedEnd) {
        return read("read_uncommitted", expectedEnd);
    }

    /**
     * Reads from the start until the consumer's position reaches the end offset it is told for its isolation level,
     * which must be {@code expectedEnd}, then polls once more to see that nothing else comes.
     */
    private List<String> read(String isolation, long expectedEnd) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            assertEquals(expectedEnd, consumer.endOffsets(List.of(TP)).get(TP), isolation + " end offset");
            long deadline = System.currentTimeMillis() + 15_000;
            while (consumer.position(TP) < expectedEnd && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            assertEquals(expectedEnd, consumer.position(TP), isolation + " position");
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
            assertTrue(consumer.position(TP) <= expectedEnd || "read_uncommitted".equals(isolation));
        }
        return values;
    }
}
