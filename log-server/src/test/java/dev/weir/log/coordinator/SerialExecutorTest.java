package dev.weir.log.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One shard's work runs in order and never concurrently with itself; a busy shard does not hold up another. */
@Tag("fast")
class SerialExecutorTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void tasksOfOneExecutorRunOneAtATimeInOrder() throws Exception {
        SerialExecutor shard = new SerialExecutor(pool, "shard-0");
        List<Integer> ran = new ArrayList<>(); // unsynchronized on purpose: only one task may touch it at a time
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CompletableFuture<Void> last = new CompletableFuture<>();
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            shard.execute(() -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                ran.add(n);
                running.decrementAndGet();
                if (n == 999) {
                    last.complete(null);
                }
            });
        }
        last.get(30, TimeUnit.SECONDS);
        assertEquals(1, mostAtOnce.get());
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            expected.add(i);
        }
        assertEquals(expected, ran);
    }

    @Test
    void aBlockedShardDoesNotHoldUpAnotherAndAFailedTaskDoesNotStopItsShard() throws Exception {
        SerialExecutor slow = new SerialExecutor(pool, "shard-0");
        SerialExecutor other = new SerialExecutor(pool, "shard-1");
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> slowDone = new CompletableFuture<>();
        slow.execute(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slow.execute(() -> slowDone.complete(null));

        CompletableFuture<Void> otherDone = new CompletableFuture<>();
        other.execute(() -> {
            throw new IllegalStateException("a failing task");
        });
        other.execute(() -> otherDone.complete(null));
        otherDone.get(30, TimeUnit.SECONDS);
        assertFalse(slowDone.isDone(), "shard-0 is still busy with its first task");

        release.countDown();
        slowDone.get(30, TimeUnit.SECONDS);
        assertTrue(slowDone.isDone());
    }
}
