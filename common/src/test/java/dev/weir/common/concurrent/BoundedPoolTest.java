package dev.weir.common.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class BoundedPoolTest {

    @Test
    void aFullQueueRefusesWorkNamingThePoolAndThreadsAreNamed() throws Exception {
        ExecutorService pool = BoundedPool.fixed("weir-test-jdbc", 1, 1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> threadName = new AtomicReference<>();
        try {
            pool.execute(() -> {
                threadName.set(Thread.currentThread().getName());
                awaitQuietly(release);
            });
            pool.execute(() -> { }); // queued
            RejectedExecutionException refused = assertThrows(RejectedExecutionException.class,
                    () -> pool.execute(() -> { }));
            assertEquals("pool weir-test-jdbc is saturated (1 threads, 1 queued)", refused.getMessage());
        } finally {
            release.countDown();
            BoundedPool.shutdown(pool, 5_000);
        }
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals("weir-test-jdbc-1", threadName.get());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
