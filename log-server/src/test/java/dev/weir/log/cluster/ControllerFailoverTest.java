package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller broker dies: another broker takes the controller lock (the dead member's CP session is
 * closed when it leaves, rather than left to expire), its epoch is higher, and the partitions the dead
 * broker led get new leaders.
 */
@Tag("cluster")
class ControllerFailoverTest {
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
    void aNewControllerTakesOverAndMovesTheDeadControllersLeaderships() throws Exception {
        // A long session timeout: only the closing of the dead member's CP session lets a successor in quickly.
        cluster = TestCluster.start(dir, 3, Map.of("broker.session.timeout.ms", "30000"));
        MetadataImage before = cluster.image();
        int controller = before.controllerId();
        cluster.createTopic("led", 3, Map.of());
        long controllerEpoch = cluster.image().controllerEpoch();

        long killedAt = System.nanoTime();
        cluster.kill(controller);
        await().atMost(Duration.ofSeconds(25)).until(() -> cluster.image().controllerId() != controller
                && cluster.image().topic("led").orElseThrow().partitions().stream()
                        .allMatch(p -> p.leader() >= 0 && p.leader() != controller));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        System.out.printf("controller %d killed: successor %d in charge with all leaders moved after %d ms%n",
                controller, cluster.image().controllerId(), tookMs);

        MetadataImage after = cluster.image();
        assertNotEquals(controller, after.controllerId());
        assertTrue(after.controllerEpoch() > controllerEpoch, "the successor writes with a higher controller epoch");
        assertTrue(tookMs < 25_000, "well within the 30 s session timeout: " + tookMs + " ms");
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
            for (int p = 0; p < 3; p++) {
                assertEquals(0, producer.send(new ProducerRecord<>("led", p, "k", "v")).get(30, TimeUnit.SECONDS).offset());
            }
        }
    }
}
