package dev.weir.log.server;

import dev.weir.common.concurrent.BoundedWait;
import dev.weir.common.concurrent.NamedThreads;
import dev.weir.common.launcher.StartupException;
import dev.weir.common.launcher.StartupScope;
import dev.weir.log.api.BrokerApis;
import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.LocalMetadataStore;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.cluster.hazelcast.HazelcastMetadataStore;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.config.TopicConfigs;
import dev.weir.log.group.GroupConfig;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.network.KafkaListener;
import dev.weir.log.protocol.ApiHandlers;
import dev.weir.log.protocol.ApiVersionTable;
import dev.weir.log.protocol.KafkaCompactionCodec;
import dev.weir.log.protocol.RequestProcessor;
import dev.weir.log.replica.FetchPurgatory;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.storage.LogCleaner;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogManager;
import dev.weir.log.txn.ProducerIdAllocator;
import dev.weir.log.txn.TransactionCoordinator;
import dev.weir.log.txn.TxnConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running broker: storage, partitions, request handlers and the Kafka listener, started in
 * that order and stopped in reverse. Used by the launcher and, in-process, by tests.
 */
public final class WeirBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WeirBroker.class);

    private static final long LEAVE_TIMEOUT_MS = 15_000;
    private static final long DROP_OUT_TIMEOUT_MS = 5_000;

    private final BrokerConfig config;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService requestHandlers;
    private final ExecutorService isrWorkers;
    private final MetadataStore metadata;
    private final ReplicaManager replicas;
    private final LogManager logs;
    private final GroupCoordinator groups;
    private final TransactionCoordinator txns;
    private final Vertx vertx;
    private final KafkaListener listener;
    private final int port;
    private final String advertisedHost;
    /** Completed once the broker is registered; requests wait for it (see {@link #whenReady}). */
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private boolean closed;

    /**
     * Starts every part in order inside a {@link StartupScope}: if a step throws, the parts already started are
     * closed in reverse order, so a failed start leaks no pool, port, directory lock or cluster membership.
     * The listener binds before registration (an ephemeral port is known only once bound), but requests wait
     * on {@link #ready} until the broker is registered: a client that connects the instant the port opens is
     * served, never refused.
     */
    private WeirBroker(BrokerConfig config) {
        this.config = config;
        List<Path> logDirs = config.logDirs();
        prepareLogDirs(logDirs);
        try (StartupScope scope = new StartupScope()) {
            this.scheduler = Executors.newScheduledThreadPool(2, new NamedThreads("weir-scheduler"));
            scope.onFailure(scheduler::shutdownNow);
            this.requestHandlers = Executors.newFixedThreadPool(config.getInt("num.io.threads"),
                    new NamedThreads("weir-request-handler"));
            scope.onFailure(requestHandlers::shutdownNow);
            this.isrWorkers = Executors.newFixedThreadPool(2, new NamedThreads("weir-isr-changes"));
            scope.onFailure(isrWorkers::shutdownNow);
            this.metadata = scope.add(openMetadata(config, logDirs.get(0)));
            this.logs = scope.add(openLogs(config, logDirs));
            FetchPurgatory purgatory = new FetchPurgatory(scheduler, requestHandlers);
            this.replicas = new ReplicaManager(config.nodeId(), logs, config, purgatory, metadata, scheduler, isrWorkers);
            scope.onFailure(replicas::close);
            replicas.onMetadata(metadata.current());
            metadata.addListener(replicas::onMetadata);

            this.groups = new GroupCoordinator(config.nodeId(), GroupConfig.from(config), metadata, replicas, scheduler,
                    Clock.systemUTC());
            scope.onFailure(groups::close);
            groups.start();
            // COMMIT/ABORT markers written to __consumer_offsets materialize or drop transactional offset commits.
            replicas.addTransactionMarkerListener(groups);

            ProducerIdAllocator producerIds = new ProducerIdAllocator(metadata, config.getInt("producer.id.block.size"));
            this.txns = new TransactionCoordinator(config.nodeId(), TxnConfig.from(config), metadata, replicas,
                    producerIds, scheduler, Clock.systemUTC(), null);
            scope.onFailure(txns::close);
            txns.start();

            ApiHandlers apis = BrokerApis.handlers(metadata, replicas, config, producerIds, groups, txns);
            this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.getInt("num.network.threads")));
            scope.onFailure(() -> vertx.close().await());
            this.listener = new KafkaListener(vertx, listenerSettings(config),
                    new RequestProcessor(apis, new ApiVersionTable()), whenReady(requestHandlers));
            this.port = bind(config, listener);
            BrokerConfig.Listener advertised = config.advertisedListeners().get(0);
            this.advertisedHost = advertised.host().equals("0.0.0.0") ? "localhost" : advertised.host();
            int advertisedPort = advertised.port() == 0 ? port : advertised.port();
            String rack = config.getString("broker.rack");
            metadata.registerBroker(new BrokerInfo(config.nodeId(), advertisedHost, advertisedPort,
                    rack.isBlank() ? null : rack));
            ready.complete(null);
            scope.started();
        }
    }

    /** Runs request handlers on {@code pool}, holding back requests that arrive before the broker is ready. */
    private Executor whenReady(ExecutorService pool) {
        return task -> {
            if (ready.isDone()) {
                pool.execute(task);
            } else {
                ready.thenRunAsync(task, pool);
            }
        };
    }

    private static KafkaListener.Settings listenerSettings(BrokerConfig config) {
        BrokerConfig.Listener bind = config.listeners().get(0);
        return new KafkaListener.Settings(bind.host(), bind.port(),
                config.getInt("num.network.threads"), config.getInt("socket.request.max.bytes"),
                config.getLong("connections.max.idle.ms"), config.getInt("socket.send.buffer.bytes"),
                config.getInt("socket.receive.buffer.bytes"));
    }

    /** Binds the listener; a taken port is reported by number with the fix, not as a Netty stack trace. */
    private static int bind(BrokerConfig config, KafkaListener listener) {
        BrokerConfig.Listener bind = config.listeners().get(0);
        try {
            return listener.start().await();
        } catch (Exception e) { // Vert.x rethrows the checked BindException undeclared
            if (StartupException.isBindFailure(e)) {
                throw StartupException.portInUse("listeners", config.explicit("listeners").orElse(
                        "PLAINTEXT://" + bind.host() + ":" + bind.port()), bind.host(), bind.port(),
                        "PLAINTEXT://" + bind.host() + ":PORT", e);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Creates the log directories and proves they are writable before anything is written to them, so the
     * failure names the directory and the fix instead of surfacing later from a metadata or segment write.
     */
    private static void prepareLogDirs(List<Path> logDirs) {
        for (Path dir : logDirs) {
            try {
                Files.createDirectories(dir);
                Path probe = Files.createTempFile(dir, ".weir-write-check", ".tmp");
                Files.delete(probe);
            } catch (IOException | SecurityException e) {
                throw StartupException.unusableDirectory("log.dirs", dir, "cannot be created or written ("
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + "): fix its permissions or choose "
                        + "another directory with --override log.dirs=DIR", e);
            }
        }
    }

    private LogManager openLogs(BrokerConfig config, List<Path> logDirs) {
        LogManager manager;
        try {
            manager = LogManager.open(logDirs, Clock.systemUTC(), scheduler,
                    config.getLong("log.retention.check.interval.ms"), config.getLong("log.flush.scheduler.interval.ms"),
                    this::logConfigOf);
        } catch (KafkaStorageException e) {
            throw new StartupException(e.getMessage() + " (log.dirs=" + String.join(",", config.getList("log.dirs"))
                    + ")", e);
        }
        if (config.getBoolean("log.cleaner.enable")) {
            manager.startCleaner(new KafkaCompactionCodec(), new LogCleaner.Settings(config.getLong("log.cleaner.backoff.ms"),
                    config.getInt("log.cleaner.threads"), config.getLong("log.cleaner.dedupe.buffer.size")));
        }
        return manager;
    }

    /** A standalone broker keeps metadata in a local file; a broker with {@code cluster.listen} joins its cluster. */
    private static MetadataStore openMetadata(BrokerConfig config, Path dir) {
        if (config.getString("cluster.listen").isBlank()) {
            return LocalMetadataStore.open(dir, config.nodeId());
        }
        return HazelcastMetadataStore.start(config, dir, topic -> (Boolean) TopicConfigs.resolve(topic.configs(), config)
                .values().get("unclean.leader.election.enable"));
    }

    /** Starts a broker; throws with a message naming the problem when the config or the disk is unusable. */
    public static WeirBroker start(BrokerConfig config) {
        return new WeirBroker(config);
    }

    private LogConfig logConfigOf(String topic) {
        return metadata.current().topic(topic).map(TopicImage::configs)
                .map(overrides -> TopicConfigs.resolve(overrides, config).toLogConfig())
                .orElseGet(() -> TopicConfigs.resolve(java.util.Map.of(), config).toLogConfig());
    }

    /** The bound port of the Kafka listener. */
    public int port() {
        return port;
    }

    public String bootstrapServers() {
        return advertisedHost + ":" + port;
    }

    public BrokerConfig config() {
        return config;
    }

    public GroupCoordinator groupCoordinator() {
        return groups;
    }

    public TransactionCoordinator transactionCoordinator() {
        return txns;
    }

    /**
     * Drops out of the cluster at once, without telling anyone, then stops (in-process tests of broker
     * failure; a standalone broker just stops). The cluster sees what it would see of a crash.
     */
    public synchronized void halt() {
        if (metadata instanceof HazelcastMetadataStore cluster) {
            cluster.crash();
        }
        close();
    }

    /** The metadata store (tests look at the image). */
    public MetadataStore metadata() {
        return metadata;
    }

    public ReplicaManager replicas() {
        return replicas;
    }

    /** Stops accepting connections, finishes with the logs (clean-shutdown markers) and releases the dirs. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            listener.stop().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("stopping the listener failed", e);
        }
        vertx.close().await();
        requestHandlers.shutdown();
        try {
            requestHandlers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        txns.close();
        groups.close();
        replicas.close();
        isrWorkers.shutdownNow();
        logs.close();
        leaveCluster();
        scheduler.shutdownNow();
    }

    /**
     * Closes the metadata store, leaving the cluster. Bounded: without a CP majority (the rest of the cluster
     * stopped first) Hazelcast calls can block far longer than a stop should take, and the logs are closed
     * already, so after {@value #LEAVE_TIMEOUT_MS} ms the broker drops out of the cluster at once instead.
     */
    private void leaveCluster() {
        Thread stuck = BoundedWait.run("weir-leave-cluster", metadata::close, LEAVE_TIMEOUT_MS);
        if (stuck == null) {
            return;
        }
        StringBuilder stack = new StringBuilder();
        for (StackTraceElement frame : stuck.getStackTrace()) {
            stack.append("\n    at ").append(frame);
        }
        log.warn("leaving the cluster takes more than {} ms; dropping out at once. Stuck in:{}", LEAVE_TIMEOUT_MS,
                stack);
        // Hazelcast's terminate can queue behind the stuck graceful shutdown (one lifecycle lock): bound it too, so
        // a stop (and the JVM's shutdown hook) always ends.
        if (metadata instanceof HazelcastMetadataStore cluster
                && BoundedWait.run("weir-drop-out", cluster::crash, DROP_OUT_TIMEOUT_MS) != null) {
            log.warn("dropping out of the cluster takes more than {} ms too; stopping without waiting for it",
                    DROP_OUT_TIMEOUT_MS);
        }
    }
}
