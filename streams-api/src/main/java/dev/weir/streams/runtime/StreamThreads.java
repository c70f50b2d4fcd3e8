package dev.weir.streams.runtime;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.internal.PartitionPlan;
import dev.weir.streams.internal.StoreFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;

/** The stream threads of one instance (the runtime's entry point for {@code WeirStreams}). */
public final class StreamThreads {
    private final List<StreamThread> threads = new ArrayList<>();

    public StreamThreads(StreamsConfig cfg, Topology topology, PartitionPlan plan, StoreFactory stores,
                         String processId, Consumer<Throwable> onDeath) {
        for (int i = 1; i <= cfg.numStreamThreads(); i++) {
            threads.add(new StreamThread(i, processId, cfg, topology, plan, stores, onDeath));
        }
    }

    public static PartitionPlan prepareTopics(Admin admin, Topology topology, StreamsConfig cfg) {
        return InternalTopics.prepare(admin, topology, cfg);
    }

    public void start() {
        threads.forEach(Thread::start);
    }

    /** Stops every thread (they commit and close their tasks); true if all have ended within the timeout. */
    public synchronized boolean shutdown(Duration timeout) {
        threads.forEach(StreamThread::shutdown);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (StreamThread t : threads) {
            if (t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return threads.stream().allMatch(t -> t == Thread.currentThread() || !t.isAlive());
    }

    public long processed() {
        return threads.stream().mapToLong(StreamThread::processed).sum();
    }

    public long lateDropped() {
        return threads.stream().mapToLong(StreamThread::lateDropped).sum();
    }

    public long skipped() {
        return threads.stream().mapToLong(StreamThread::skipped).sum();
    }

    public long restored() {
        return threads.stream().mapToLong(StreamThread::restored).sum();
    }
}
