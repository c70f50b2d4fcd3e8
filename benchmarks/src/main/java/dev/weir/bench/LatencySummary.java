package dev.weir.bench;

import org.HdrHistogram.Histogram;

/**
 * The latency percentiles PerfTool reports, in milliseconds.
 *
 * <p>Kept apart from the histogram so summaries can be formatted and tested without one.
 */
public record LatencySummary(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {

    private static final double MICROS_PER_MILLI = 1000.0;

    /** Summarises a histogram whose values are microseconds. */
    public static LatencySummary fromMicros(Histogram histogram) {
        return new LatencySummary(
                histogram.getTotalCount(),
                histogram.getValueAtPercentile(50.0) / MICROS_PER_MILLI,
                histogram.getValueAtPercentile(99.0) / MICROS_PER_MILLI,
                histogram.getValueAtPercentile(99.9) / MICROS_PER_MILLI,
                histogram.getMaxValue() / MICROS_PER_MILLI);
    }
}
