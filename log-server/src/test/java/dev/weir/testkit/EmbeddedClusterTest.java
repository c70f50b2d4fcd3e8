package dev.weir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The testkit's in-process cluster: a replication-factor-3 topic keeps every acknowledged record while its leader is
 * killed (a crash, no goodbye) and after the broker restarts on its ports and directory.
 */
@Tag("cluster")
class EmbeddedClusterTest {
    private static final String TOPIC = "replicated";

    @Test
    void acknowledgedRecordsSurviveKillingAndRestartingTheLeader(@TempDir Path dir) throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(dir, 3, Map.of())) {
            cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
            List<String> acked = new ArrayList<>();
            try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "k", "before-" + i)).get(60, TimeUnit.SECONDS);
                    acked.add("before-" + i);
                }
                int leader = leader(cluster);
                cluster.kill(leader);
                assertFalse(cluster.isRunning(leader));
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "k", "after-kill-" + i)).get(60, TimeUnit.SECONDS);
                    acked.add("after-kill-" + i);
                }
                assertTrue(leader(cluster) != leader, "a new leader was elected");

                cluster.restart(leader);
                assertTrue(cluster.isRunning(leader));
                producer.send(new ProducerRecord<>(TOPIC, "k", "after-restart")).get(60, TimeUnit.SECONDS);
                acked.add("after-restart");
            }
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                assertEquals(acked, ReadToEnd.readToEnd(consumer, List.of(tp)).stream().map(r -> r.value()).toList());
            }
        }
    }

    private static int leader(EmbeddedCluster cluster) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
            return d.partitions().get(0).leader().id();
        }
    }
}
