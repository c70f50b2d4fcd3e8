package dev.weir.log.replica;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;

/**
 * Long-poll fetches waiting for data. A waiting fetch watches its partitions; an append to any of
 * them (or its max.wait.ms timer) runs its check once more. The check itself decides whether enough
 * bytes are there; it is run at most once at a time per fetch and stops after it completes.
 */
public final class FetchPurgatory {
    private final ScheduledExecutorService timer;
    private final java.util.concurrent.Executor workers;
    private final ConcurrentHashMap<TopicPartition, Set<DelayedFetch>> watchers = new ConcurrentHashMap<>();

    public FetchPurgatory(ScheduledExecutorService timer, java.util.concurrent.Executor workers) {
        this.timer = timer;
        this.workers = workers;
    }

    /** A fetch's re-check: returns true when it has answered (enough data, or {@code expired}). */
    @FunctionalInterface
    public interface Check {
        boolean tryComplete(boolean expired);
    }

    /** Watches {@code partitions} until {@code check} answers, or forces it after {@code maxWaitMs}. */
    public void watch(Collection<TopicPartition> partitions, long maxWaitMs, Check check) {
        DelayedFetch fetch = new DelayedFetch(List.copyOf(partitions), check);
        for (TopicPartition tp : fetch.partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(fetch);
        }
        fetch.timeout = timer.schedule(() -> workers.execute(() -> fetch.run(true)), maxWaitMs, TimeUnit.MILLISECONDS);
        // An append may have landed between the caller's read and the registration above.
        workers.execute(() -> fetch.run(false));
    }

    /** Called after data is appended to {@code tp} (or its high watermark moved). */
    public void onNewData(TopicPartition tp) {
        Set<DelayedFetch> waiting = watchers.get(tp);
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        for (DelayedFetch fetch : waiting) {
            workers.execute(() -> fetch.run(false));
        }
    }

    int waitingCount() {
        return watchers.values().stream().mapToInt(Set::size).sum();
    }

    private final class DelayedFetch {
        private final List<TopicPartition> partitions;
        private final Check check;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        DelayedFetch(List<TopicPartition> partitions, Check check) {
            this.partitions = partitions;
            this.check = check;
        }

        void run(boolean expired) {
            if (done.get()) {
                return;
            }
            synchronized (this) {
                if (done.get()) {
                    return;
                }
                if (check.tryComplete(expired) || expired) {
                    done.set(true);
                    ScheduledFuture<?> t = timeout;
                    if (t != null) {
                        t.cancel(false);
                    }
                    for (TopicPartition tp : partitions) {
                        watchers.computeIfPresent(tp, (k, set) -> {
                            set.remove(this);
                            return set.isEmpty() ? null : set;
                        });
                    }
                }
            }
        }
    }
}
