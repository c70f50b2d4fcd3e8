package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.storage.FileSlice;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogReadInfo;
import dev.weir.log.storage.PartitionLog;
import dev.weir.log.testing.ChildCluster;
import dev.weir.log.testing.ReadToEnd;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers as separate processes, RF=3 and min.insync.replicas=2, an acks=all idempotent producer
 * sending all the time: each broker in turn is killed with SIGKILL (so every broker, and with leaders
 * spread over the brokers every partition's leader, dies once) and restarted. Every acknowledged record
 * stays at its acknowledged offset, the partitions are dense, in send order and free of duplicates, and
 * the three replicas end byte-identical on disk. Failover times (kill to the first acknowledgement of a
 * record sent after the kill) are printed, bounded only by {@link #FAILOVER_BOUND}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@Tag("process")
class ClusterFaultTest {
    private static final String TOPIC = "faults";
    private static final int PARTITIONS = 3;
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ChildCluster cluster;

    @AfterEach
    void killEverything() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void acknowledgedWritesSurviveKill9OfEachBrokerInTurnAndReplicasEndIdentical() throws Exception {
        long testStart = System.nanoTime();
        cluster = new ChildCluster(dir, "faults", 3, Map.of());
        cluster.startAll();
        System.out.printf("[faults] cluster of 3 started in %d ms%n", millisSince(testStart));

        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            awaitIsrOfEveryPartition(admin, Set.of(1, 2, 3));
        }

        Sender sender = new Sender(producer());
        Thread senderThread = new Thread(sender, "fault-sender");
        senderThread.start();
        List<String> report = new ArrayList<>();
        Set<Integer> killedLeaders = new HashSet<>();
        try {
            await("acknowledgements before the first kill").atMost(Duration.ofSeconds(30))
                    .until(() -> sender.failure.get() != null || sender.ackedTotal() >= 1_000);
            assertNull(sender.failure.get(), "no send failed before the first kill");

            for (int n = 1; n <= 3; n++) {
                int node = n;
                Map<Integer, Integer> leaders;
                try (Admin admin = cluster.admin()) {
                    leaders = leaders(admin);
                }
                List<Integer> led = leaders.entrySet().stream().filter(e -> e.getValue() == node)
                        .map(Map.Entry::getKey).sorted().toList();

                long killedAt = System.nanoTime();
                cluster.kill9(node);
                sender.markKill(killedAt, System.nanoTime());
                // Every partition has the killed broker as a replica: each must take new writes again, which
                // needs a new leader where the broker led and an ISR without it everywhere.
                await("broker " + node + " killed: every partition acknowledges a record sent after the kill")
                        .atMost(FAILOVER_BOUND).pollInterval(Duration.ofMillis(20))
                        .until(() -> sender.failure.get() != null || sender.allPartitionsAckedSinceKill());
                assertNull(sender.failure.get(), "no send failed after killing broker " + node);
                long[] failover = sender.failoverMillis();
                if (!led.isEmpty()) {
                    killedLeaders.add(node);
                }

                long restartAt = System.nanoTime();
                cluster.start(node);
                long registeredMs = millisSince(restartAt);
                // The restarted broker is a new Hazelcast member: it must take the dead one's CP seat before
                // another broker may die, or the CP subsystem would be left without a majority.
                cluster.awaitOutput(node, "joined the CP subsystem", Duration.ofSeconds(60));
                try (Admin admin = cluster.admin()) {
                    awaitIsrOfEveryPartition(admin, Set.of(1, 2, 3));
                }
                String line = String.format("kill -9 broker %d (leader of partitions %s): first ack of a record sent "
                                + "after the kill, per partition: %s ms; restart to registered %d ms, to full ISR %d ms",
                        node, led, java.util.Arrays.toString(failover), registeredMs, millisSince(restartAt));
                report.add(line);
                System.out.println("[faults] " + line);
                assertNull(sender.failure.get(), "no send failed while broker " + node + " came back");
            }
        } finally {
            sender.running.set(false);
            senderThread.join(30_000);
        }
        assertTrue(!killedLeaders.isEmpty(), "at least one kill hit a partition leader");
        KafkaProducer<String, String> producer = sender.producer;
        try {
            producer.flush();
            assertNull(sender.failure.get(), "no send failed");
            assertEquals(sender.sent.get(), sender.ackedTotal(), "every record sent was acknowledged");

            // One more acks=all record per partition while all three replicas are in the ISR: once it is
            // acknowledged every replica holds the whole partition, so the logs on disk must be equal.
            try (Admin admin = cluster.admin()) {
                awaitIsrOfEveryPartition(admin, Set.of(1, 2, 3));
                for (int p = 0; p < PARTITIONS; p++) {
                    long offset = producer.send(new ProducerRecord<>(TOPIC, p, "marker", "marker-" + p))
                            .get(60, TimeUnit.SECONDS).offset();
                    sender.acked[p].put(offset, "marker-" + p);
                }
                for (Map.Entry<Integer, Set<Integer>> isr : isrs(admin).entrySet()) {
                    assertEquals(Set.of(1, 2, 3), isr.getValue(), "ISR of partition " + isr.getKey()
                            + " still whole after the markers");
                }
            }
        } finally {
            producer.close(Duration.ofSeconds(10));
        }

        // Through the Kafka protocol: each acknowledged record at its offset, dense, no duplicates.
        Map<Integer, List<ConsumerRecord<String, String>>> logs = readEverything();
        long[] sizes = new long[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<String, String>> log = logs.get(p);
            NavigableMap<Long, String> acked = sender.acked[p];
            sizes[p] = log.size();
            assertEquals(acked.size(), log.size(), "partition " + p + ": exactly the acknowledged records (every send "
                    + "was acknowledged, and an idempotent producer writes none twice)");
            Set<String> values = new HashSet<>();
            long previousSeq = -1;
            for (int i = 0; i < log.size(); i++) {
                ConsumerRecord<String, String> r = log.get(i);
                assertEquals(i, r.offset(), "partition " + p + ": offsets are dense");
                assertTrue(values.add(r.value()), "partition " + p + ": duplicate " + r.value() + " at " + r.offset());
                if (r.value().startsWith("s-")) {
                    long seq = Long.parseLong(r.value().substring(2));
                    assertTrue(seq > previousSeq, "partition " + p + ": " + r.value() + " at " + r.offset()
                            + " is out of send order");
                    previousSeq = seq;
                }
            }
            for (Map.Entry<Long, String> a : acked.entrySet()) {
                assertTrue(a.getKey() < log.size(), "partition " + p + ": acknowledged offset " + a.getKey()
                        + " is in the log of " + log.size());
                assertEquals(a.getValue(), log.get(Math.toIntExact(a.getKey())).value(),
                        "partition " + p + ": the record acknowledged at offset " + a.getKey());
            }
        }

        // On disk: after a clean stop, the three replicas of each partition are the same bytes.
        cluster.stopAll();
        for (int p = 0; p < PARTITIONS; p++) {
            Map<Integer, LogDigest> digests = new LinkedHashMap<>();
            for (int node = 1; node <= 3; node++) {
                digests.put(node, digest(cluster.logDir(node).resolve(TOPIC + "-" + p)));
            }
            System.out.printf("[faults] partition %d on disk: %s%n", p, digests);
            for (int node = 1; node <= 3; node++) {
                LogDigest d = digests.get(node);
                assertEquals(0, d.logStartOffset(), "partition " + p + " on broker " + node + ": log start");
                assertEquals(sizes[p], d.logEndOffset(), "partition " + p + " on broker " + node + ": log end offset");
                assertEquals(digests.get(1), d, "partition " + p + ": broker " + node + " holds the bytes broker 1 holds");
            }
        }
        System.out.printf("[faults] %d records acknowledged over %d partitions; leaders killed: brokers %s; "
                + "test took %d ms%n", sender.ackedTotal(), PARTITIONS, killedLeaders, millisSince(testStart));
        report.forEach(l -> System.out.println("[faults] " + l));
    }

    /** A partition log on disk: its bounds, its batch count and a CRC32 over all batch bytes in order. */
    record LogDigest(long logStartOffset, long logEndOffset, int batches, long bytes, long crc) {}

    private static LogDigest digest(Path partitionDir) throws Exception {
        try (PartitionLog log = PartitionLog.open(partitionDir, LogConfig.defaults(), Clock.systemUTC())) {
            CRC32 crc = new CRC32();
            long offset = log.logStartOffset();
            int batches = 0;
            long bytes = 0;
            while (offset < log.logEndOffset()) {
                LogReadInfo info = log.read(offset, 1 << 20, Long.MAX_VALUE, true);
                FileSlice slice = info.records();
                assertTrue(slice.size() > 0, partitionDir + ": a read at " + offset + " below the log end returns batches");
                ByteBuffer buf = ByteBuffer.allocate(slice.size());
                while (buf.hasRemaining()) {
                    int n = slice.channel().read(buf, slice.position() + buf.position());
                    assertTrue(n >= 0, partitionDir + ": the slice is within the file");
                }
                buf.flip();
                crc.update(buf.duplicate());
                bytes += buf.remaining();
                for (MutableRecordBatch batch : MemoryRecords.readableRecords(buf).batches()) {
                    batch.ensureValid();
                    assertEquals(offset, batch.baseOffset(), partitionDir + ": batches follow each other");
                    offset = batch.nextOffset();
                    batches++;
                }
            }
            return new LogDigest(log.logStartOffset(), log.logEndOffset(), batches, bytes, crc.getValue());
        }
    }

    /** Sends "s-SEQ" round-robin over the partitions, a bounded number in flight, recording every acknowledgement. */
    private static final class Sender implements Runnable {
        final KafkaProducer<String, String> producer;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong sent = new AtomicLong();
        @SuppressWarnings("unchecked")
        final NavigableMap<Long, String>[] acked = new NavigableMap[PARTITIONS];
        // Per partition, nanoTime of the first acknowledgement of a record sent after the latest kill (0: none yet).
        final long[] firstAckSinceKill = new long[PARTITIONS];
        long killedAt; // when the kill was sent
        long deadAt = Long.MAX_VALUE; // when the killed process was gone: records sent later count

        Sender(KafkaProducer<String, String> producer) {
            this.producer = producer;
            for (int p = 0; p < PARTITIONS; p++) {
                acked[p] = new ConcurrentSkipListMap<>();
            }
        }

        synchronized void markKill(long killedAt, long deadAt) {
            this.killedAt = killedAt;
            this.deadAt = deadAt;
            java.util.Arrays.fill(firstAckSinceKill, 0);
        }

        synchronized void acknowledged(int partition, long sentAt) {
            if (sentAt > deadAt && firstAckSinceKill[partition] == 0) {
                firstAckSinceKill[partition] = System.nanoTime();
            }
        }

        synchronized boolean allPartitionsAckedSinceKill() {
            for (int p = 0; p < PARTITIONS; p++) {
                if (firstAckSinceKill[p] == 0) {
                    return false;
                }
            }
            return true;
        }

        /** Per partition, from the kill to the first acknowledgement of a record sent after the broker was gone. */
        synchronized long[] failoverMillis() {
            long[] out = new long[PARTITIONS];
            for (int p = 0; p < PARTITIONS; p++) {
                out[p] = TimeUnit.NANOSECONDS.toMillis(firstAckSinceKill[p] - killedAt);
            }
            return out;
        }

        long ackedTotal() {
            long n = 0;
            for (NavigableMap<Long, String> m : acked) {
                n += m.size();
            }
            return n;
        }

        @Override
        public void run() {
            Semaphore inFlight = new Semaphore(500);
            long seq = 0;
            try {
                while (running.get()) {
                    if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    int partition = (int) (seq % PARTITIONS);
                    String value = "s-" + seq;
                    long sentAt = System.nanoTime();
                    producer.send(new ProducerRecord<>(TOPIC, partition, "k" + seq, value), (md, error) -> {
                        inFlight.release();
                        if (error != null) {
                            failure.compareAndSet(null, error);
                            return;
                        }
                        String previous = acked[md.partition()].put(md.offset(), value);
                        if (previous != null) {
                            failure.compareAndSet(null, new AssertionError("partition " + md.partition() + " offset "
                                    + md.offset() + " acknowledged for " + previous + " and " + value));
                        }
                        acknowledged(md.partition(), sentAt);
                    });
                    sent.incrementAndGet();
                    seq++;
                    if (seq % 20 == 0) {
                        // Paces the load (about 2,000 records/s) so the two shared cores are left to the brokers.
                        Thread.sleep(10);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        p.put("metadata.max.age.ms", 5_000);
        return new KafkaProducer<>(p);
    }

    private Map<Integer, List<ConsumerRecord<String, String>>> readEverything() {
        Map<Integer, List<ConsumerRecord<String, String>>> out = new HashMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                TopicPartition tp = new TopicPartition(TOPIC, partition);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                out.put(partition, ReadToEnd.readToEnd(consumer, List.of(tp)));
            }
        }
        return out;
    }

    private static void awaitIsrOfEveryPartition(Admin admin, Set<Integer> isr) {
        await("ISR " + isr + " and a leader for every partition of " + TOPIC).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> {
                    TopicDescription d = describe(admin);
                    return d.partitions().size() == PARTITIONS && d.partitions().stream().allMatch(i ->
                            i.leader() != null && !i.leader().isEmpty()
                                    && i.isr().stream().map(Node::id).collect(java.util.stream.Collectors.toSet())
                                    .equals(isr));
                });
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC);
    }

    private static Map<Integer, Integer> leaders(Admin admin) throws Exception {
        Map<Integer, Integer> out = new HashMap<>();
        for (TopicPartitionInfo i : describe(admin).partitions()) {
            out.put(i.partition(), i.leader() == null ? -1 : i.leader().id());
        }
        return out;
    }

    private static Map<Integer, Set<Integer>> isrs(Admin admin) throws Exception {
        Map<Integer, Set<Integer>> out = new HashMap<>();
        for (TopicPartitionInfo i : describe(admin).partitions()) {
            Set<Integer> ids = new HashSet<>();
            i.isr().forEach(n -> ids.add(n.id()));
            out.put(i.partition(), ids);
        }
        return out;
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
