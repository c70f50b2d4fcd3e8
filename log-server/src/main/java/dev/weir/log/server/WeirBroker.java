package dev.weir.log.server;

import dev.weir.log.concurrent.NamedThreads;
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
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running broker: storage, partitions, request handlers and the Kafka listener, started in
 * that order and stopped in reverse. Used by the launcher and, in-process, by tests.
 */
public final class WeirBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WeirBroker.class);

    private static final long LEAVE_TIMEOUT_MS = 15_000;

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
    private boolean closed;

    private WeirBroker(BrokerConfig config) {
        this.config = config;
        List<Path> logDirs = config.logDirs();
        this.scheduler = Executors.newScheduledThreadPool(2, new NamedThreads("weir-scheduler"));
        this.requestHandlers = Executors.newFixedThreadPool(config.getInt("num.io.threads"),
                new NamedThreads("weir-request-handler"));
        this.isrWorkers = Executors.newFixedThreadPool(2, new NamedThreads("weir-isr-changes"));
        this.metadata = openMetadata(config, logDirs.get(0));
        this.logs = LogManager.open(logDirs, Clock.systemUTC(), scheduler,
                config.getLong("log.retention.check.interval.ms"), config.getLong("log.flush.scheduler.interval.ms"),
                this::logConfigOf);
        if (config.getBoolean("log.cleaner.enable")) {
            logs.startCleaner(new KafkaCompactionCodec(), new LogCleaner.Settings(config.getLong("log.cleaner.backoff.ms"),
                    config.getInt("log.cleaner.threads"), config.getLong("log.cleaner.dedupe.buffer.size")));
        }
        FetchPurgatory purgatory = new FetchPurgatory(scheduler, requestHandlers);
        this.replicas = new ReplicaManager(config.nodeId(), logs, config, purgatory, metadata, scheduler, isrWorkers);
        replicas.onMetadata(metadata.current());
        metadata.addListener(replicas::onMetadata);

        this.groups = new GroupCoordinator(config.nodeId(), GroupConfig.from(config), metadata, replicas, scheduler,
                Clock.systemUTC());
        groups.start();
        // COMMIT/ABORT markers written to __consumer_offsets materialize or drop transactional offset commits.
        replicas.addTransactionMarkerListener(groups);

        ProducerIdAllocator producerIds = new ProducerIdAllocator(metadata, config.getInt("producer.id.block.size"));
        this.txns = new TransactionCoordinator(config.nodeId(), TxnConfig.from(config), metadata, replicas, producerIds,
                scheduler, Clock.systemUTC(), null);
        txns.start();

        ApiHandlers apis = BrokerApis.handlers(metadata, replicas, config, producerIds, groups, txns);
        BrokerConfig.Listener bind = config.listeners().get(0);
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.getInt("num.network.threads")));
        this.listener = new KafkaListener(vertx, new KafkaListener.Settings(bind.host(), bind.port(),
                config.getInt("num.network.threads"), config.getInt("socket.request.max.bytes"),
                config.getLong("connections.max.idle.ms"), config.getInt("socket.send.buffer.bytes"),
                config.getInt("socket.receive.buffer.bytes")),
                new RequestProcessor(apis, new ApiVersionTable()), requestHandlers);
        this.port = listener.start().await();
        BrokerConfig.Listener advertised = config.advertisedListeners().get(0);
        this.advertisedHost = advertised.host().equals("0.0.0.0") ? "localhost" : advertised.host();
        int advertisedPort = advertised.port() == 0 ? port : advertised.port();
        String rack = config.getString("broker.rack");
        metadata.registerBroker(new BrokerInfo(config.nodeId(), advertisedHost, advertisedPort,
                rack.isBlank() ? null : rack));
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
        Thread leave = new Thread(metadata::close, "weir-leave-cluster");
        leave.setDaemon(true);
        leave.start();
        try {
            leave.join(LEAVE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leave.isAlive()) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement frame : leave.getStackTrace()) {
                stack.append("\n    at ").append(frame);
            }
            log.warn("leaving the cluster takes more than {} ms; dropping out at once. Stuck in:{}", LEAVE_TIMEOUT_MS,
                    stack);
            if (metadata instanceof HazelcastMetadataStore cluster) {
                cluster.crash();
            }
        }
    }
}
