package dev.weir.common.concurrent;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class BoundedWaitTest {

    @Test
    void aStepThatFinishesReturnsNull() {
        AtomicBoolean ran = new AtomicBoolean();
        assertNull(BoundedWait.run("weir-test-step", () -> ran.set(true), 10_000));
        assertTrue(ran.get());
    }

    @Test
    void aStuckStepIsLeftRunningAfterTheBoundAndReturned() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        long start = System.nanoTime();
        Thread stuck = BoundedWait.run("weir-test-stuck", () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 200);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        try {
            assertTrue(stuck != null && stuck.isAlive() && stuck.isDaemon(), "the stuck step is handed back");
            org.junit.jupiter.api.Assertions.assertEquals("weir-test-stuck", stuck.getName());
            assertTrue(waitedMs >= 200 && waitedMs < 10_000, "waited the bound, not the step: " + waitedMs + " ms");
        } finally {
            release.countDown();
        }
    }
}
