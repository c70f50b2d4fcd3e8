package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pacer keeps the average rate; it never waits when unlimited. */
@Tag("fast")
class PacerTest {

    @Test
    void holdsTheTargetRate() {
        Pacer pacer = new Pacer(2_000);
        long start = System.nanoTime();
        for (long i = 0; i <= 400; i++) {
            pacer.awaitTurn(i);
        }
        double elapsedMs = (System.nanoTime() - start) / 1e6;

        // 400 intervals at 2000/s = 200 ms; at most 1 ms early by design, later only if the box is slow.
        assertTrue(elapsedMs >= 199, "too fast: " + elapsedMs + " ms");
        assertTrue(elapsedMs < 2_000, "too slow: " + elapsedMs + " ms");
    }

    @Test
    void unlimitedNeverWaits() {
        Pacer pacer = new Pacer(-1);
        long start = System.nanoTime();
        for (long i = 0; i < 1_000_000; i++) {
            pacer.awaitTurn(i);
        }
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }
}
