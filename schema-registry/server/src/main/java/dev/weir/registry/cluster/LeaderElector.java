package dev.weir.registry.cluster;

import dev.weir.registry.RegistryConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
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
 * <p>Thread-safety: the consumer is used only by the elector thread; {@link #isLeader()} and
 * {@link #leaderUrl()} are volatile reads, safe from any thread.
 */
public final class LeaderElector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    private volatile String myUrl;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final String topic;
    private volatile boolean running = true;
    private volatile boolean leader;
    private volatile String leaderUrl;

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

    /** Called by the assignor on this elector's thread after each rebalance. */
    void assigned(String leaderUrl, boolean isLeader) {
        if (isLeader != leader || !leaderUrl.equals(this.leaderUrl)) {
            log.info("registry leader is now {}{}", leaderUrl, isLeader ? " (this instance)" : "");
        }
        synchronized (this) {
            this.leaderUrl = leaderUrl;
            this.leader = isLeader;
            notifyAll();
        }
    }

    /** Waits until some instance is known as leader. @return false if none within {@code timeoutMs} */
    public synchronized boolean awaitLeader(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (leaderUrl == null) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    public boolean isLeader() {
        return leader;
    }

    /** The leader's URL, or null before the first election. */
    public String leaderUrl() {
        return leaderUrl;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
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
            log.error("leader election stopped", e);
        } finally {
            leader = false;
            consumer.close(Duration.ofSeconds(3));
        }
    }

    @Override
    public void close() {
        running = false;
        leader = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
