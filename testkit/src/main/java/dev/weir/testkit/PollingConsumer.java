package dev.weir.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A subscribed {@link KafkaConsumer} that polls on its own thread, as an application would, and
 * records what it was assigned and what it read. Work that must run on the consumer's thread
 * (commitSync, position, ...) goes through {@link #call}. Thread-safe for the test thread.
 */
public final class PollingConsumer implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Set<TopicPartition> assignment = Set.of();
    private final List<ConsumerRecord<String, String>> records = new ArrayList<>();
    private final AtomicInteger assignedCallbacks = new AtomicInteger();
    private final AtomicInteger revokedCallbacks = new AtomicInteger();
    private final AtomicInteger revokedPartitions = new AtomicInteger();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile Throwable failure;
    private volatile CloseOptions closeOptions;

    public PollingConsumer(KafkaConsumer<String, String> consumer, Collection<String> topics) {
        this.consumer = consumer;
        this.thread = new Thread(() -> run(topics), "polling-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(Collection<String> topics) {
        try {
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revokedCallbacks.incrementAndGet();
                    revokedPartitions.addAndGet(partitions.size());
                    Set<TopicPartition> now = new HashSet<>(assignment);
                    now.removeAll(partitions);
                    assignment = Set.copyOf(now);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assignedCallbacks.incrementAndGet();
                    Set<TopicPartition> now = new HashSet<>(assignment);
                    now.addAll(partitions);
                    assignment = Set.copyOf(now);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    onPartitionsRevoked(partitions);
                }
            });
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                    synchronized (records) {
                        records.add(r);
                    }
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
            if (closeOptions != null) {
                consumer.close(closeOptions);
            } else {
                consumer.close();
            }
        }
    }

    /** Runs {@code work} on the polling thread between two polls and returns its result. */
    public <T> T call(Function<KafkaConsumer<String, String>, T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(work.apply(consumer));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("consumer task failed", e);
        }
    }

    public Set<TopicPartition> assignment() {
        return assignment;
    }

    public int assignedCallbacks() {
        return assignedCallbacks.get();
    }

    public int revokedCallbacks() {
        return revokedCallbacks.get();
    }

    /** Partitions given up over all revocations (the eager protocol gives up everything each time). */
    public int revokedPartitions() {
        return revokedPartitions.get();
    }

    public List<ConsumerRecord<String, String>> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    /** The exception that stopped the polling loop, if any. */
    public Throwable failure() {
        return failure;
    }

    /** Stops polling and closes the consumer normally (it leaves the group). */
    @Override
    public void close() {
        stop(null);
    }

    /**
     * Stops polling and closes the consumer without leaving the group, as a crashed client would: the
     * coordinator notices only when its session times out.
     */
    public void closeWithoutLeaving() {
        stop(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
    }

    private void stop(CloseOptions options) {
        closeOptions = options;
        running = false;
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("the consumer did not stop within 60 s");
        }
    }
}
