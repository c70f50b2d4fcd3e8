package dev.weir.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds a sender to a target rate (records/s) for latency runs at a fixed load; a rate of -1
 * never waits. At full speed the producer's latency is mostly time queued in its own buffer.
 *
 * <p>It only sleeps once the sender is at least {@link #MIN_SLEEP_NANOS} ahead, so records go out
 * in small bursts instead of one park per record: per-record parks cost the client a core's worth
 * of wake-ups at tens of thousands of records/s, and that CPU is taken from the broker.
 */
final class Pacer {

    static final long MIN_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final long targetPerSecond;
    private final long startNanos;

    Pacer(long targetPerSecond) {
        this.targetPerSecond = targetPerSecond;
        this.startNanos = System.nanoTime();
    }

    /** Blocks until sending record number {@code sent} (0-based) keeps within the rate. */
    void awaitTurn(long sent) {
        if (targetPerSecond <= 0) {
            return;
        }
        long dueNanos = startNanos + (long) (sent * (1e9 / targetPerSecond));
        long ahead = dueNanos - System.nanoTime();
        if (ahead < MIN_SLEEP_NANOS) {
            return;
        }
        while (ahead > 0) {
            LockSupport.parkNanos(ahead);
            ahead = dueNanos - System.nanoTime();
        }
    }
}
