package dev.weir.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every PerfTool phase shares, as a picocli mixin.
 *
 * <p>Defaults are the reference configuration (acks=all, 1 KiB records, linger 5 ms,
 * 64 KiB batches, one partition), so a bare {@code produce} measures exactly what the goal names.
 */
public final class PerfOptions {

    @Option(names = "--bootstrap-server", defaultValue = "127.0.0.1:9092",
            description = "Bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServer;

    @Option(names = "--topic", defaultValue = "weir-perf", description = "Topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--records", defaultValue = "1000000",
            description = "Records to produce or consume, warm-up excluded (default: ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", defaultValue = "1024",
            description = "Value size in bytes; records have no key (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--warmup-records", defaultValue = "0",
            description = "Records produced/consumed before measuring starts (default: ${DEFAULT-VALUE}).")
    long warmupRecords;

    @Option(names = "--acks", defaultValue = "all", description = "Producer acks (default: ${DEFAULT-VALUE}).")
    String acks;

    @Option(names = "--linger-ms", defaultValue = "5", description = "Producer linger.ms (default: ${DEFAULT-VALUE}).")
    int lingerMs;

    @Option(names = "--batch-size", defaultValue = "65536",
            description = "Producer batch.size in bytes (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--compression", defaultValue = "none",
            description = "Producer compression.type (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--throughput", defaultValue = "-1",
            description = "Produce at most this many records/s; -1 = as fast as possible (default: ${DEFAULT-VALUE}).")
    long throughput;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions when the topic has to be created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "1",
            description = "Replication factor when the topic has to be created (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Option(names = "--transactional-id", paramLabel = "ID",
            description = "Produce in transactions with this transactional.id: beginTransaction, "
                    + "--records-per-transaction sends, commitTransaction (commit time counts in the throughput).")
    String transactionalId;

    @Option(names = "--records-per-transaction", paramLabel = "K", defaultValue = "100",
            description = "Records per transaction with --transactional-id (default: ${DEFAULT-VALUE}).")
    int recordsPerTransaction;

    @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE",
            description = "Extra producer configs; they win over the options above.")
    Map<String, String> producerProps = new LinkedHashMap<>();

    @Option(names = "--consumer-props", arity = "1..*", paramLabel = "KEY=VALUE",
            description = "Extra consumer configs.")
    Map<String, String> consumerProps = new LinkedHashMap<>();

    @Option(names = "--connect-timeout-s", defaultValue = "30",
            description = "Give up if the bootstrap is not reachable within this many seconds (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    @Option(names = "--progress-interval-s", defaultValue = "5",
            description = "Seconds between progress lines on stderr (default: ${DEFAULT-VALUE}).")
    int progressIntervalSeconds;

    @Option(names = "--json", description = "Also print each phase's summary as one JSON line on stdout.")
    boolean json;

    /** Rejects combinations that would make a run meaningless, before any connection is made. */
    void validate() {
        require(records > 0, "--records must be > 0");
        require(recordSize >= 0, "--record-size must be >= 0");
        require(warmupRecords >= 0, "--warmup-records must be >= 0");
        require(partitions > 0, "--partitions must be > 0");
        require(replicationFactor > 0, "--replication-factor must be > 0");
        require(connectTimeoutSeconds > 0, "--connect-timeout-s must be > 0");
        require(progressIntervalSeconds > 0, "--progress-interval-s must be > 0");
        require(throughput == -1 || throughput > 0, "--throughput must be -1 or > 0");
        require(recordsPerTransaction > 0, "--records-per-transaction must be > 0");
        require(transactionalId == null || !transactionalId.isBlank(), "--transactional-id must not be blank");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
