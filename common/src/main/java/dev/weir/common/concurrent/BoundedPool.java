package dev.weir.common.concurrent;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-size pools with a bounded queue and named threads, for blocking work kept off event loops (JDBC, disk,
 * long waits). When the queue is full a submission is refused with a {@link RejectedExecutionException} naming
 * the pool, so an overloaded component answers "busy" instead of queueing without bound.
 */
public final class BoundedPool {
    private BoundedPool() {
    }

    public static ExecutorService fixed(String name, int threads, int queueCapacity) {
        if (threads < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("pool " + name + " needs at least one thread and one queue slot");
        }
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), new NamedThreads(name), (task, pool) -> {
                    throw new RejectedExecutionException("pool " + name + " is saturated (" + threads + " threads, "
                            + queueCapacity + " queued)");
                });
    }

    /** Shuts the pool down and waits up to {@code timeoutMs} for running tasks; interrupts them after that. */
    public static void shutdown(ExecutorService pool, long timeoutMs) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
