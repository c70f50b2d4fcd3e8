package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: PerfTool produces and consumes against Apache Kafka's real broker, in-process.
 * Only built with -Pkafka-reference; takes a few seconds, mostly broker start-up.
 */
class PerfToolAgainstKafkaTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void producesAndConsumesAgainstTheReferenceBroker() throws Exception {
        try (KafkaReferenceBroker broker = KafkaReferenceBroker.start(freePort(), freePort(), dir)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();

            int exit = PerfTool.execute(new String[] {"all", "--bootstrap-server", broker.bootstrap(),
                "--topic", "perf-test", "--records", "2000", "--warmup-records", "100", "--json"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

            String stdout = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, stdout + err.toString(StandardCharsets.UTF_8));
            assertTrue(stdout.contains("produce: 2000 records, 1024 B,"), stdout);
            assertTrue(stdout.contains("latency ms p50"), stdout);
            assertTrue(stdout.contains("consume: 2000 records, 1024 B,"), stdout);
            assertTrue(stdout.contains("{\"phase\":\"consume\",\"records\":2000,"), stdout);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
