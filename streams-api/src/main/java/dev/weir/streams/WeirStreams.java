package dev.weir.streams;

import dev.weir.streams.internal.PartitionPlan;
import dev.weir.streams.internal.StoreFactory;
import dev.weir.streams.runtime.StreamThreads;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Weir Streams application instance: {@code num.stream.threads} stream threads, each a member
 * of the consumer group {@code application.id}, sharing the tasks of the topology with the other
 * instances of the same application. {@link #start()} creates (or checks) the internal topics first.
 *
 * <pre>{@code
 * try (WeirStreams app = new WeirStreams(topology, Map.of(
 *         "application.id", "word-count", "bootstrap.servers", "localhost:9092"))) {
 *     app.start();
 *     ...
 * }
 * }</pre>
 *
 * An exception that escapes a stream thread stops the whole instance ({@link State#ERROR}); see
 * {@link #error()}.
 */
public final class WeirStreams implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WeirStreams.class);

    public enum State { CREATED, RUNNING, ERROR, NOT_RUNNING }

    private final Topology topology;
    private final StreamsConfig config;
    private final String processId = UUID.randomUUID().toString();
    private volatile State state = State.CREATED;
    private volatile Throwable error;
    private StreamThreads threads;
    private StoreFactory stores;

    public WeirStreams(Topology topology, Map<String, ?> config) {
        this.topology = topology;
        this.config = new StreamsConfig(config);
        if (this.config.bootstrapServers() == null) {
            throw new IllegalArgumentException("bootstrap.servers is missing: give the brokers to connect to");
        }
    }

    public WeirStreams(Topology topology, Properties props) {
        this(topology, toMap(props));
    }

    private static Map<String, Object> toMap(Properties p) {
        Map<String, Object> m = new HashMap<>();
        p.forEach((k, v) -> m.put(k.toString(), v));
        return m;
    }

    /** Prepares internal topics and starts the stream threads; returns once they run. */
    public synchronized void start() {
        if (state != State.CREATED) {
            throw new IllegalStateException("start() called in state " + state + ": an instance starts once");
        }
        Map<String, Object> adminProps = config.clientProps("admin");
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        PartitionPlan plan;
        try (Admin admin = Admin.create(adminProps)) {
            plan = dev.weir.streams.runtime.StreamThreads.prepareTopics(admin, topology, config);
        }
        stores = new StoreFactory(config.defaultStoreType(), config.stateDir().resolve(config.applicationId()),
                config.rocksDbMemoryBytes());
        threads = new StreamThreads(config, topology, plan, stores, processId, this::threadDied);
        threads.start();
        state = State.RUNNING;
        log.info("{} started: {} stream thread(s), tasks {}", config.applicationId(), config.numStreamThreads(),
                plan.allTasks());
    }

    private void threadDied(Throwable t) {
        if (error == null) {
            error = t;
        }
        state = State.ERROR;
        // Stop the other threads too (they commit and close cleanly); not from a stream thread's own stack.
        Thread stopper = new Thread(() -> threads.shutdown(Duration.ofSeconds(30)), config.applicationId() + "-stopper");
        stopper.setDaemon(true);
        stopper.start();
    }

    public State state() {
        return state;
    }

    /** The exception that stopped the instance, or null. */
    public Throwable error() {
        return error;
    }

    /** Records processed by this instance's threads so far. */
    public long processedRecords() {
        return threads == null ? 0 : threads.processed();
    }

    /** Records dropped because all their windows had closed (later than the grace period). */
    public long lateDroppedRecords() {
        return threads == null ? 0 : threads.lateDropped();
    }

    /** Records skipped by a {@code continue} deserialization or processing handler. */
    public long skippedRecords() {
        return threads == null ? 0 : threads.skipped();
    }

    /** Changelog records replayed into local stores by this instance so far (restores after a move or a lost store). */
    public long restoredRecords() {
        return threads == null ? 0 : threads.restored();
    }

    public void close() {
        close(Duration.ofSeconds(60));
    }

    /** Commits, checkpoints and closes every task, leaves the group, and frees local resources. */
    public synchronized void close(Duration timeout) {
        boolean stopped = threads == null || threads.shutdown(timeout);
        if (stores != null && stopped) {
            stores.close(); // never under a live store: freeing the shared RocksDB cache would crash it
        } else if (!stopped) {
            log.warn("{}: stream threads did not stop within {}; local store memory is not freed",
                    config.applicationId(), timeout);
        }
        if (state != State.ERROR) {
            state = State.NOT_RUNNING;
        }
    }
}
