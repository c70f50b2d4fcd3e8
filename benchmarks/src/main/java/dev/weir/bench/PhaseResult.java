package dev.weir.bench;

import java.util.Optional;

/**
 * What one measured phase (produce or consume) achieved: the numbers the summary line reports.
 *
 * @param bytes payload bytes moved (record values; no keys, headers or protocol overhead)
 * @param latency per-record latency, present for produce only
 * @param transactions transactions committed (transactional produce), else 0
 * @param commitLatency commitTransaction() call time per transaction, present for transactional produce only
 */
public record PhaseResult(
        String phase, long records, int recordSize, long bytes, long elapsedNanos,
        Optional<LatencySummary> latency, long transactions, Optional<LatencySummary> commitLatency) {

    public PhaseResult(String phase, long records, int recordSize, long bytes, long elapsedNanos,
                       Optional<LatencySummary> latency) {
        this(phase, records, recordSize, bytes, elapsedNanos, latency, 0, Optional.empty());
    }

    /** MB here is 2^20 bytes, as in Kafka's own perf tools, so figures compare directly. */
    static final double BYTES_PER_MB = 1024.0 * 1024.0;

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    public double recordsPerSecond() {
        return elapsedNanos == 0 ? 0 : records / seconds();
    }

    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : bytes / BYTES_PER_MB / seconds();
    }
}
