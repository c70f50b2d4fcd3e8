package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Command-line parsing, validation and exit codes; no broker needed. */
@Tag("fast")
class PerfToolOptionsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private PerfTool.PhaseCommand parse(String... args) {
        CommandLine commandLine = PerfTool.newCommandLine(stream(out), stream(err));
        CommandLine.ParseResult result = commandLine.parseArgs(args);
        return (PerfTool.PhaseCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void defaultsAreTheIssuesReferenceConfiguration() {
        PerfOptions options = parse("produce").options;

        assertEquals("127.0.0.1:9092", options.bootstrapServer);
        assertEquals("weir-perf", options.topic);
        assertEquals(1_000_000, options.records);
        assertEquals(1024, options.recordSize);
        assertEquals("all", options.acks);
        assertEquals(5, options.lingerMs);
        assertEquals(65536, options.batchSize);
        assertEquals("none", options.compression);
        assertEquals(1, options.partitions);
        assertEquals(1, options.replicationFactor);
        assertEquals(0, options.warmupRecords);
        assertEquals(30, options.connectTimeoutSeconds);
        assertFalse(options.json);
    }

    @Test
    void subcommandsSelectTheirPhases() {
        assertEquals(List.of(PerfRun.Phase.PRODUCE), parse("produce").phases());
        assertEquals(List.of(PerfRun.Phase.CONSUME), parse("consume").phases());
        assertEquals(List.of(PerfRun.Phase.PRODUCE, PerfRun.Phase.CONSUME), parse("all").phases());
    }

    @Test
    void producerPropsOverrideTheNamedOptions() {
        PerfOptions options = parse("produce", "--acks", "1", "--linger-ms", "0",
                "--producer-props", "linger.ms=20", "max.in.flight.requests.per.connection=1").options;

        Properties config = ProducerBenchmark.producerConfig(options);

        assertEquals("1", config.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("20", config.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals("1", config.get("max.in.flight.requests.per.connection"));
    }

    @Test
    void transactionalIdMakesTheProducerTransactional() {
        PerfOptions plain = parse("produce").options;
        assertEquals(null, ProducerBenchmark.producerConfig(plain).get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        assertEquals(100, plain.recordsPerTransaction);

        PerfOptions options = parse("produce", "--transactional-id", "perf-txn", "--records-per-transaction", "10")
                .options;
        assertEquals("perf-txn", ProducerBenchmark.producerConfig(options).get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        assertEquals(10, options.recordsPerTransaction);

        int exit = PerfTool.execute(new String[] {"produce", "--records-per-transaction", "0"}, stream(out),
                stream(err));
        assertEquals(PerfTool.EXIT_USAGE, exit);
        assertTrue(text(err).contains("--records-per-transaction must be > 0"), text(err));
    }

    @Test
    void consumerPropsAreParsedAsKeyValuePairs() {
        PerfOptions options = parse("consume", "--consumer-props", "fetch.min.bytes=1", "max.poll.records=2000")
                .options;

        assertEquals(Map.of("fetch.min.bytes", "1", "max.poll.records", "2000"), options.consumerProps);
        assertEquals("2000", ConsumerBenchmark.consumerConfig(options).get("max.poll.records"));
    }

    @Test
    void invalidValuesExitWithUsageCodeBeforeConnecting() {
        int exit = PerfTool.execute(new String[] {"produce", "--records", "0"}, stream(out), stream(err));

        assertEquals(PerfTool.EXIT_USAGE, exit);
        assertTrue(text(err).contains("--records must be > 0"), text(err));
    }

    @Test
    void missingSubcommandIsAUsageError() {
        assertEquals(PerfTool.EXIT_USAGE, PerfTool.execute(new String[0], stream(out), stream(err)));
    }

    @Test
    void unreachableBootstrapExitsWithAClearMessage() {
        // Port 1 on loopback refuses connections; the tool must give up after the timeout, not hang.
        int exit = PerfTool.execute(new String[] {"produce", "--bootstrap-server", "127.0.0.1:1",
            "--connect-timeout-s", "1"}, stream(out), stream(err));

        assertEquals(PerfTool.EXIT_UNREACHABLE, exit);
        assertTrue(text(err).contains("cannot reach bootstrap 127.0.0.1:1 within 1 s"), text(err));
    }

    private static PrintStream stream(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }

    private static String text(ByteArrayOutputStream buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
