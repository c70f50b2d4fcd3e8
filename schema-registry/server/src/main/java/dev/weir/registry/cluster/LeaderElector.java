package dev.weir.registry.cluster;

import dev.weir.registry.RegistryConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader among registry instances through the broker's group protocol: every instance joins
 * the consumer group {@code schema.registry.group.id}, subscribed to the store topic, with
 * {@link LeaderAssignor}. The assignor gives partition 0 to the leader and tells every member the leader's
 * URL. Partitions are paused: the group is only used for membership, never to read.
 *
 * <p>A leader that stops leaves the group; the broker rebalances and another member becomes leader. A
 * leader that dies without leaving is replaced after {@code session.timeout.ms} (10 s here).
 *
 * <p>When a rebalance starts, the leader (the member that owns partition 0) has its partition revoked and
 * stops leading until the new assignment arrives, so a rebalance never hands leadership over while the old
 * leader still writes (a leader paused past its session timeout still can: there is no fencing). Writes
 * that arrive in such a gap wait for the next {@link Leadership} ({@link #awaitLeadership(long, Leadership)}).
 *
 * <p>Thread-safety: the consumer is used only by the elector thread; {@link #leadership()}, {@link #isLeader()}
 * and {@link #leaderUrl()} are volatile reads, safe from any thread; the waits may be called from any thread.
 */
public final class LeaderElector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private volatile String myUrl;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final String topic;
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    /** Written under {@code this} (so waiters can be notified), read anywhere. */
    private volatile Leadership leadership = Leadership.NONE;
    /** Whether the last assignment made this instance leader; unlike {@link #leadership}, kept through a
     * rebalance, so the assignor can keep the leader where it was. Elector thread only. */
    private boolean ledLastGeneration;

    public LeaderElector(RegistryConfig config) {
        this.topic = config.topic();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, LeaderAssignor.class.getName());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(LeaderAssignor.ELECTOR_CONFIG, this);
        consumer = new KafkaConsumer<>(p);
        thread = new Thread(this::run, "registry-leader-elector");
        thread.setDaemon(true);
    }

    /** Joins the group, announcing {@code myUrl} as where to forward writes when this instance leads. */
    public void start(String myUrl) {
        this.myUrl = myUrl;
        thread.start();
    }

    String myUrl() {
        return myUrl;
    }

    /** For the assignor's subscription: did this instance lead before the rebalance now running? */
    boolean ledLastGeneration() {
        return ledLastGeneration;
    }

    /**
     * Who leads, as this instance last learned it. {@code url} is null while no leader is known: before the
     * first election, during a rebalance that revoked this instance's leadership, after {@link #close}.
     * {@code epoch} grows with every change, so a caller can wait for a leadership other than one it found
     * unreachable.
     */
    public record Leadership(long epoch, String url, boolean self) {
        static final Leadership NONE = new Leadership(0, null, false);

        public boolean known() {
            return url != null;
        }
    }

    /** Called by the assignor on this elector's thread after each rebalance. */
    void assigned(String leaderUrl, boolean isLeader) {
        Leadership was = leadership;
        if (isLeader != was.self() || !leaderUrl.equals(was.url())) {
            log.info("registry leader is now {}{}", leaderUrl, isLeader ? " (this instance)" : "");
        }
        ledLastGeneration = isLeader;
        change(leaderUrl, isLeader);
    }

    /** A rebalance began (or this instance stops): nobody is known to lead until the next assignment. */
    private synchronized void unknown() {
        if (leadership.known()) {
            change(null, false);
        }
    }

    private synchronized void change(String url, boolean self) {
        leadership = new Leadership(leadership.epoch() + 1, url, self);
        notifyAll();
    }

    /** Waits until some instance is known as leader. @return false if none within {@code timeoutMs} */
    public boolean awaitLeader(long timeoutMs) throws InterruptedException {
        return awaitLeadership(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs), null) != null;
    }

    /**
     * Waits until a leader is known and the leadership is not {@code stale} (one the caller found unreachable).
     *
     * @param deadlineNanos a {@link System#nanoTime()} value
     * @return the leadership, or null if there is none such by the deadline
     */
    public synchronized Leadership awaitLeadership(long deadlineNanos, Leadership stale) throws InterruptedException {
        while (!leadership.known() || (stale != null && leadership.epoch() == stale.epoch())) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return leadership;
    }

    public Leadership leadership() {
        return leadership;
    }

    /** Why the election stopped on its own (this instance can no longer lead or follow), or null. */
    public String failure() {
        RuntimeException e = failure;
        return e == null ? null : "leader election stopped: " + e;
    }

    public boolean isLeader() {
        return leadership.self();
    }

    /** The leader's URL, or null while none is known. */
    public String leaderUrl() {
        return leadership.url();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // Eager protocol: called as every rebalance starts (and on leaving). The leader stops
                    // leading here, before any other member can be assigned leadership.
                    unknown();
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    consumer.pause(partitions);
                }
            });
            while (running) {
                consumer.poll(Duration.ofMillis(200));
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            log.error("leader election stopped", e);
        } finally {
            unknown();
            consumer.close(Duration.ofSeconds(3));
        }
    }

    @Override
    public void close() {
        running = false;
        unknown();
        if (thread.getState() == Thread.State.NEW) { // never started (start-up failed before the election)
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
