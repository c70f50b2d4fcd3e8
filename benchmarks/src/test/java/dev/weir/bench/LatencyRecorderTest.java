package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Latencies go in as nanoseconds and come out as millisecond percentiles, each sample once. */
@Tag("fast")
class LatencyRecorderTest {

    @Test
    void percentilesOfAKnownDistribution() {
        LatencyRecorder recorder = new LatencyRecorder();
        for (int ms = 1; ms <= 1000; ms++) {
            recorder.recordNanos(TimeUnit.MILLISECONDS.toNanos(ms));
        }

        LatencySummary summary = LatencySummary.fromMicros(recorder.total());

        assertEquals(1000, summary.count());
        assertEquals(500, summary.p50Ms(), 1.0);
        assertEquals(990, summary.p99Ms(), 1.0);
        assertEquals(999, summary.p999Ms(), 1.0);
        assertEquals(1000, summary.maxMs(), 1.0);
    }

    @Test
    void intervalsReadForProgressStillCountInTheTotal() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.recordNanos(1_000_000);
        assertEquals(1, recorder.interval().getTotalCount());
        recorder.recordNanos(2_000_000);
        recorder.recordNanos(3_000_000);
        assertEquals(2, recorder.interval().getTotalCount());
        recorder.recordNanos(4_000_000);

        assertEquals(4, recorder.total().getTotalCount());
        assertEquals(0, recorder.interval().getTotalCount());
    }
}
