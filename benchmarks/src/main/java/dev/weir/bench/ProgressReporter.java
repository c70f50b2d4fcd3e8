package dev.weir.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Prints a progress line to stderr every few seconds while a phase runs, so a slow or stuck
 * run is visible long before its summary. Rates are for the last interval, not cumulative.
 */
final class ProgressReporter implements AutoCloseable {

    private final String phase;
    private final int recordSize;
    private final LongSupplier completedRecords;
    private final Optional<LatencyRecorder> latencies;
    private final PrintStream out;
    private final ScheduledExecutorService timer;
    private long lastRecords;
    private long lastNanos;

    ProgressReporter(String phase, int recordSize, LongSupplier completedRecords,
                     Optional<LatencyRecorder> latencies, PrintStream out, int intervalSeconds) {
        this.phase = phase;
        this.recordSize = recordSize;
        this.completedRecords = completedRecords;
        this.latencies = latencies;
        this.out = out;
        this.lastNanos = System.nanoTime();
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "perf-progress");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::report, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
    }

    private synchronized void report() {
        long now = System.nanoTime();
        long records = completedRecords.getAsLong();
        double seconds = (now - lastNanos) / 1e9;
        double recordsPerSecond = (records - lastRecords) / seconds;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s progress: %d records, %.0f rec/s, %.1f MB/s",
                phase, records, recordsPerSecond, recordsPerSecond * recordSize / PhaseResult.BYTES_PER_MB));
        latencies.ifPresent(recorder -> {
            Histogram interval = recorder.interval();
            if (interval.getTotalCount() > 0) {
                LatencySummary summary = LatencySummary.fromMicros(interval);
                line.append(String.format(Locale.ROOT, ", latency ms p50 %s p99 %s max %s",
                        SummaryFormatter.millis(summary.p50Ms()), SummaryFormatter.millis(summary.p99Ms()),
                        SummaryFormatter.millis(summary.maxMs())));
            }
        });
        out.println(line);
        lastRecords = records;
        lastNanos = now;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
