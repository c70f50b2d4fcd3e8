package dev.weir.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * Holds a sender to a target rate (records/s) for latency runs at a fixed load; a rate of -1
 * never waits. At full speed the producer's latency is mostly time queued in its own buffer.
 */
final class Pacer {

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
        long dueNanos = startNanos + sent * 1_000_000_000L / targetPerSecond;
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
