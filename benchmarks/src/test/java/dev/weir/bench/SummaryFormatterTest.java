package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The summary lines people paste into docs/benchmarks.md and scripts parse. */
@Tag("fast")
class SummaryFormatterTest {

    private static final long TEN_SECONDS = 10_000_000_000L;

    @Test
    void produceLineHasThroughputAndLatency() {
        PhaseResult result = new PhaseResult("produce", 1_000_000, 1024, 1_024_000_000L, TEN_SECONDS,
                Optional.of(new LatencySummary(1_000_000, 3.04, 12.2, 20.4, 45.0)));

        assertEquals("produce: 1000000 records, 1024 B, 10.0 s, 100000 rec/s, 97.7 MB/s,"
                + " latency ms p50 3.0 p99 12 p99.9 20 max 45", SummaryFormatter.text(result));
    }

    @Test
    void transactionalProduceLineAndJsonHaveCommitLatency() {
        PhaseResult result = new PhaseResult("produce", 1_000_000, 1024, 1_024_000_000L, TEN_SECONDS,
                Optional.of(new LatencySummary(1_000_000, 3.04, 12.2, 20.4, 45.0)), 10_000,
                Optional.of(new LatencySummary(10_000, 1.2, 5.5, 11.0, 30.0)));

        assertEquals("produce: 1000000 records, 1024 B, 10.0 s, 100000 rec/s, 97.7 MB/s,"
                + " latency ms p50 3.0 p99 12 p99.9 20 max 45, 10000 transactions of 100,"
                + " commit ms p50 1.2 p99 5.5 p99.9 11 max 30", SummaryFormatter.text(result));
        PerfOptions options = new PerfOptions();
        new CommandLine(options).parseArgs("--transactional-id", "x");
        String json = SummaryFormatter.json(result, options);
        assertEquals(true, json.contains("\"latencyMaxMs\":45.000,\"transactions\":10000,"
                + "\"recordsPerTransaction\":100,\"commitP50Ms\":1.200,\"commitP99Ms\":5.500,"
                + "\"commitP999Ms\":11.000,\"commitMaxMs\":30.000,\"bootstrap\""), json);
    }

    @Test
    void consumeLineHasNoLatency() {
        PhaseResult result = new PhaseResult("consume", 500, 100, 50_000, 500_000_000L, Optional.empty());

        assertEquals("consume: 500 records, 100 B, 0.5 s, 1000 rec/s, 0.1 MB/s", SummaryFormatter.text(result));
    }

    @Test
    void jsonIsOneFlatObject() {
        PerfOptions options = new PerfOptions();
        new CommandLine(options).parseArgs("--bootstrap-server", "h:1", "--topic", "t");
        PhaseResult result = new PhaseResult("produce", 1000, 1024, 1_024_000, TEN_SECONDS,
                Optional.of(new LatencySummary(1000, 1.5, 2.5, 3.5, 4.5)));

        assertEquals("{\"phase\":\"produce\",\"records\":1000,\"recordSize\":1024,\"seconds\":10.000,"
                + "\"recordsPerSec\":100.0,\"mbPerSec\":0.10,\"latencyP50Ms\":1.500,\"latencyP99Ms\":2.500,"
                + "\"latencyP999Ms\":3.500,\"latencyMaxMs\":4.500,\"bootstrap\":\"h:1\",\"topic\":\"t\","
                + "\"acks\":\"all\",\"lingerMs\":5,\"batchSize\":65536,\"compression\":\"none\","
                + "\"clientVersion\":\"" + SummaryFormatter.CLIENT_VERSION + "\"}",
                SummaryFormatter.json(result, options));
    }

    @Test
    void clientVersionIsTheOneOnTheClasspath() {
        assertEquals("4.4.0", SummaryFormatter.CLIENT_VERSION);
    }

    @Test
    void quotesEscapeJsonSpecials() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", SummaryFormatter.quote("a\"b\\c\n\u0001"));
    }

    @Test
    void millisKeepOneDecimalBelowTen() {
        assertEquals("0.8", SummaryFormatter.millis(0.81));
        assertEquals("9.9", SummaryFormatter.millis(9.94));
        assertEquals("12", SummaryFormatter.millis(12.4));
    }
}
