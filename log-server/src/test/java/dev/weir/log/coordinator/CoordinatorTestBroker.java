package dev.weir.log.coordinator;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.LocalMetadataStore;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.replica.FetchPurgatory;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogManager;
import dev.weir.log.testing.MutableClock;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a coordinator test runs its coordinators on: broker 1 alone, with a real metadata store, logs and replica
 * manager over a directory, no network, and a clock the test moves ({@link #clock}). The test creates its
 * coordinators over {@link #metadata()} and {@link #replicas()}, closes them before {@link #restart} or
 * {@link #close}, and creates them again after a restart.
 */
public final class CoordinatorTestBroker implements AutoCloseable {
    /** The time every log and coordinator of this broker sees; moved by the test. */
    public final MutableClock clock = new MutableClock(1_000_000);
    private final Path dir;
    private final Map<String, String> overrides;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private LocalMetadataStore metadata;
    private LogManager logs;
    private ReplicaManager replicas;

    /** @param overrides broker settings (e.g. {@code min.insync.replicas}) over the defaults */
    public CoordinatorTestBroker(Path dir, Map<String, String> overrides) {
        this.dir = dir;
        this.overrides = overrides;
        open();
    }

    public CoordinatorTestBroker(Path dir) {
        this(dir, Map.of());
    }

    private void open() {
        metadata = LocalMetadataStore.open(dir, 1);
        metadata.registerBroker(new BrokerInfo(1, "localhost", 9092, null));
        logs = LogManager.open(List.of(dir), clock, scheduler, Long.MAX_VALUE / 2, Long.MAX_VALUE / 2,
                topic -> LogConfig.defaults());
        Map<String, String> config = new HashMap<>(overrides);
        config.put("log.dirs", dir.toString());
        replicas = new ReplicaManager(1, logs, BrokerConfig.from(config), new FetchPurgatory(scheduler, Runnable::run),
                metadata, scheduler, Runnable::run);
        replicas.onMetadata(metadata.current());
        metadata.addListener(replicas::onMetadata);
    }

    public LocalMetadataStore metadata() {
        return metadata;
    }

    public ReplicaManager replicas() {
        return replicas;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Closes and reopens the metadata store, logs and replica manager over the same directory, as a broker restart. */
    public void restart() {
        closeStores();
        open();
    }

    private void closeStores() {
        replicas.close();
        logs.close();
        metadata.close();
    }

    @Override
    public void close() {
        closeStores();
        scheduler.shutdownNow();
    }
}
