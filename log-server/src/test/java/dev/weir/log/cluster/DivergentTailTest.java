package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogReadInfo;
import dev.weir.log.storage.PartitionLog;
import dev.weir.log.testing.TestCluster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deposed leader returns with records it wrote in its old leader epoch that no follower ever got
 * (uncommitted): it must find the divergence with OffsetForLeaderEpoch, drop that tail and take the new
 * leader's records in its place.
 */
@Tag("cluster")
class DivergentTailTest {
    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aReturningLeaderTruncatesItsUncommittedTail() throws Exception {
        cluster = TestCluster.start(dir, 3, Map.of("auto.leader.rebalance.enable", "false"));
        cluster.createTopic("diverge", 1, Map.of());
        int oldLeader = cluster.partition("diverge", 0).leader();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("diverge", "k", "first-" + i));
            }
            producer.flush();
        }

        cluster.stop(oldLeader);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.partition("diverge", 0).leader() != oldLeader
                && cluster.partition("diverge", 0).leader() >= 0);
        // What the old leader wrote in epoch 0 just before losing leadership, never replicated.
        Path oldLog = dir.resolve("broker-" + oldLeader).resolve("diverge-0");
        try (PartitionLog log = PartitionLog.open(oldLog, LogConfig.defaults(), Clock.systemUTC())) {
            assertEquals(100, log.logEndOffset());
            List<KeyValueBatches.Entry> tail = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                tail.add(new KeyValueBatches.Entry(bytes("k"), bytes("divergent-" + i)));
            }
            log.appendAsLeader(KeyValueBatches.batch(tail, System.currentTimeMillis()), 0);
            assertEquals(110, log.logEndOffset());
        }
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>("diverge", "k", "second-" + i));
            }
            producer.flush();
        }
        int newLeader = cluster.partition("diverge", 0).leader();
        assertNotEquals(oldLeader, newLeader);

        cluster.restart(oldLeader);
        TopicPartition tp = new TopicPartition("diverge", 0);
        PartitionLog returned = cluster.broker(oldLeader).replicas().partition(tp).orElseThrow().log();
        PartitionLog leader = cluster.broker(newLeader).replicas().partition(tp).orElseThrow().log();
        await().atMost(Duration.ofSeconds(30)).until(() -> returned.logEndOffset() == 150
                && cluster.partition("diverge", 0).isr().contains(oldLeader));
        assertEquals(checksum(leader), checksum(returned), "the returning replica holds exactly the leader's log");

        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.size() >= 150;
            });
        }
        assertEquals(150, values.size());
        assertTrue(values.stream().noneMatch(v -> v.startsWith("divergent-")), "the uncommitted tail is gone");
        assertEquals("second-0", values.get(100));
    }

    private static long checksum(PartitionLog log) throws IOException {
        CRC32 crc = new CRC32();
        long next = log.logStartOffset();
        long end = log.logEndOffset();
        while (next < end) {
            LogReadInfo read = log.read(next, 1 << 20, end, true);
            ByteBuffer buf = ByteBuffer.allocate(read.records().size());
            read.records().channel().read(buf, read.records().position());
            buf.flip();
            if (!buf.hasRemaining()) {
                break;
            }
            crc.update(buf.duplicate());
            // Base offset of the last batch + its last offset delta: walk batch by batch.
            int pos = 0;
            long lastOffset = next;
            while (pos + 61 <= buf.limit()) {
                long base = buf.getLong(pos);
                int length = buf.getInt(pos + 8);
                int lastDelta = buf.getInt(pos + 23);
                lastOffset = base + lastDelta;
                pos += 12 + length;
            }
            next = lastOffset + 1;
        }
        return crc.getValue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
