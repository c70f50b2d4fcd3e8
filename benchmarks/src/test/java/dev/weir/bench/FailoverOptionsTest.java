package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** perf failover: options, defaults and the kill-command template; no broker needed. */
@Tag("fast")
class FailoverOptionsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void theTemplateNamesTheLeader() {
        Node leader = new Node(2, "127.0.0.1", 39293);
        assertEquals("kill -9 $(cat /tmp/c/broker-2.pid)",
                FailoverBenchmark.killCommand("kill -9 $(cat /tmp/c/broker-{node}.pid)", leader));
        assertEquals("fuser -k -9 39293/tcp # 127.0.0.1",
                FailoverBenchmark.killCommand("fuser -k -9 {port}/tcp # {host}", leader));
    }

    @Test
    void defaultsAreRf3MinIsr2At2000PerSecond() {
        var parsed = PerfTool.newCommandLine(stream(out), stream(err))
                .parseArgs("failover", "--kill-command", "kill -9 {node}");
        FailoverBenchmark.FailoverOptions options =
                ((PerfTool.Failover) parsed.subcommand().commandSpec().userObject()).options;
        assertEquals(3, options.replicationFactor);
        assertEquals(2, options.minInsyncReplicas);
        assertEquals(2000, options.rate);
        options.validate();
    }

    @Test
    void aKillCommandWithoutThePlaceholderIsAUsageError() {
        int code = PerfTool.execute(new String[] {"failover", "--kill-command", "kill -9 1234"}, stream(out), stream(err));
        assertEquals(PerfTool.EXIT_USAGE, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("{node}"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theKillCommandIsRequired() {
        int code = PerfTool.execute(new String[] {"failover"}, stream(out), stream(err));
        assertEquals(PerfTool.EXIT_USAGE, code);
    }

    private static PrintStream stream(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
