package dev.weir.bench;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Collects per-record latencies from the producer's I/O thread while the main thread reads them.
 *
 * <p>HdrHistogram's {@link Recorder} makes recording wait-free; each interval read for a progress
 * line is folded into a running total, so progress lines and the final summary both see every
 * sample exactly once.
 */
final class LatencyRecorder {

    private static final int SIGNIFICANT_DIGITS = 3;

    private final Recorder recorder = new Recorder(SIGNIFICANT_DIGITS);
    private final Histogram total = new Histogram(SIGNIFICANT_DIGITS);
    private Histogram recycled;

    /** Safe to call from any thread. */
    void recordNanos(long nanos) {
        recorder.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
    }

    /** Latencies recorded since the previous call (or since creation), in microseconds. */
    synchronized Histogram interval() {
        Histogram interval = recorder.getIntervalHistogram(recycled);
        total.add(interval);
        recycled = interval;
        return interval.copy();
    }

    /** Every latency recorded so far, in microseconds. */
    synchronized Histogram total() {
        interval();
        return total.copy();
    }
}
