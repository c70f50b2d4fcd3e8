package dev.weir.log.coordinator;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.ReplicaManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the group and the transaction coordinator share: a compacted internal topic whose partitions hold their
 * state, a key placed on partition {@code abs(key.hashCode()) % partitions} (Kafka's rule, so clients and tools
 * agree), and per partition this broker leads one shard, loaded from the partition's log when leadership arrives
 * and unloaded when it leaves (or the leader epoch changes). The coordinator supplies the shards ({@link Shards});
 * the runtime creates the topic on first use, answers FindCoordinator, routes keys to shards, loads and unloads
 * them, runs each shard's background work serialized ({@link #submit(int, Runnable)}), and stops it all on
 * {@link #close}.
 *
 * <p>Shard lifecycle, per partition of the topic:
 * <pre>
 *   (none) --image: led here--> created (requests see it, e.g. COORDINATOR_LOAD_IN_PROGRESS) --load--> serving
 *   serving --image: led elsewhere, new epoch, partition replaced--> unloaded, dropped
 * </pre>
 *
 * <p>Thread-safety: safe for concurrent use. Metadata changes run one at a time on the loader thread; each shard's
 * load, submitted tasks and unload run one at a time, in that order, on a small pool shared by the shards (so a
 * large partition's replay does not hold up the others); lookups read a concurrent map; periodic tasks run on the
 * broker's scheduler. Requests run on the caller's thread against the shard's own locking.
 *
 * @param <S> the coordinator's shard
 */
public final class CoordinatorRuntime<S extends CoordinatorRuntime.Shard> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);
    /** Kafka's {@code offsets.topic.segment.bytes} and {@code transaction.state.log.segment.bytes} default. */
    private static final String SEGMENT_BYTES = String.valueOf(100 * 1024 * 1024);
    /** Threads running the shards' work (loads mostly): a few, as the broker's other pools are already there. */
    private static final int SHARD_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** One partition's state on the broker that leads it. */
    public interface Shard {
        /** Stops serving (requests then get NOT_COORDINATOR) and lets go of the state. */
        void unload();
    }

    /** How a coordinator makes and loads its shards. */
    public interface Shards<S> {
        /**
         * A new shard of partition {@code partitionIndex}, not yet loaded.
         *
         * @param leaderEpoch the partition's leader epoch now: the coordinator epoch of what the shard writes
         */
        S create(int partitionIndex, int leaderEpoch, ShardLog log);

        /** Replays the shard's partition and starts serving; runs serialized with the shard's other work. */
        void load(S shard);
    }

    /**
     * The internal topic.
     *
     * @param partitions           partitions when it is created
     * @param replicationFactor    its replication factor (already capped at the cluster size by the coordinator's
     *                             config)
     * @param replicationFactorKey the broker config naming that factor, for the message while too few brokers are up
     * @param contents             what its shards hold, for log lines ("groups", "transactional ids")
     */
    public record InternalTopic(String name, int partitions, int replicationFactor, String replicationFactorKey,
                                String contents) {}

    private record Loaded<S>(Partition partition, int leaderEpoch, S shard, SerialExecutor executor) {}

    private final InternalTopic topic;
    private final int nodeId;
    private final MetadataStore metadata;
    private final ReplicaManager replicas;
    private final ScheduledExecutorService scheduler;
    private final long writeTimeoutMs;
    private final Shards<S> factory;
    private final ExecutorService loader;
    private final ExecutorService shardPool;
    private final ConcurrentHashMap<Integer, Loaded<S>> shards = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> periodic = new CopyOnWriteArrayList<>();
    private final List<Consumer<MetadataImage>> afterMetadata = new CopyOnWriteArrayList<>();
    private final Object topicCreation = new Object();
    private volatile boolean closed;

    /**
     * @param writeTimeoutMs how long a shard's write waits for the partition's ISR
     * @param threadName     name of the loader thread; the shards' threads are named after it
     */
    public CoordinatorRuntime(InternalTopic topic, int nodeId, MetadataStore metadata, ReplicaManager replicas,
                              ScheduledExecutorService scheduler, long writeTimeoutMs, String threadName,
                              Shards<S> factory) {
        this.topic = topic;
        this.nodeId = nodeId;
        this.metadata = metadata;
        this.replicas = replicas;
        this.scheduler = scheduler;
        this.writeTimeoutMs = writeTimeoutMs;
        this.factory = factory;
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        AtomicInteger threads = new AtomicInteger();
        this.shardPool = Executors.newFixedThreadPool(SHARD_THREADS, r -> {
            Thread t = new Thread(r, threadName + "-shard-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code listener} on the loader thread after each metadata change was applied to the shards. */
    public void afterMetadata(Consumer<MetadataImage> listener) {
        afterMetadata.add(listener);
    }

    /** Follows metadata from now on (start after the replica manager, so partitions exist first). */
    public void start() {
        metadata.addListener(image -> submit(() -> onMetadata(image)));
        submit(() -> onMetadata(metadata.current()));
    }

    public String topicName() {
        return topic.name();
    }

    // --- placement ---

    /** The partition of {@code key}: Kafka's {@code Utils.abs(hashCode) % partitions}. */
    public int partitionFor(String key) {
        int h = key.hashCode();
        int abs = h == Integer.MIN_VALUE ? 0 : Math.abs(h);
        return abs % partitionCount();
    }

    private int partitionCount() {
        return metadata.current().topic(topic.name()).map(t -> t.partitions().size()).orElse(topic.partitions());
    }

    /** Creates the topic unless it exists; CoordinatorNotAvailableException while fewer brokers than its factor are up. */
    public void ensureTopic() {
        if (metadata.current().topic(topic.name()).isPresent()) {
            return;
        }
        synchronized (topicCreation) {
            MetadataImage image = metadata.current();
            if (image.topic(topic.name()).isPresent()) {
                return;
            }
            int brokers = image.brokers().size();
            int rf = topic.replicationFactor();
            if (brokers < rf) {
                throw new CoordinatorNotAvailableException("waiting for " + rf + " live brokers to create "
                        + topic.name() + " (" + topic.replicationFactorKey() + "); " + brokers + " registered so far");
            }
            // Compact only (no time or size retention): the last record per key is the state; what is removed leaves
            // by tombstone.
            Map<String, String> configs = Map.of("cleanup.policy", "compact", "segment.bytes", SEGMENT_BYTES);
            try {
                metadata.createTopic(topic.name(), topic.partitions(), rf, configs);
                log.info("created {} with {} partitions", topic.name(), topic.partitions());
            } catch (TopicExistsException e) {
                // created concurrently
            }
        }
    }

    /** FindCoordinator for {@code key} (validated by the caller): the leader of its partition. Creates the topic. */
    public Coordinator find(String key) {
        try {
            ensureTopic();
        } catch (RuntimeException e) {
            log.warn("cannot create {}", topic.name(), e);
            return Coordinator.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, "cannot create " + topic.name() + ": "
                    + e.getMessage());
        }
        MetadataImage image = metadata.current();
        Optional<TopicImage> t = image.topic(topic.name());
        int partition = partitionFor(key);
        if (t.isEmpty() || partition >= t.get().partitions().size()) {
            return Coordinator.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, topic.name() + " is not available");
        }
        BrokerInfo leader = image.brokers().get(t.get().partitions().get(partition).leader());
        if (leader == null) {
            return Coordinator.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the leader of " + topic.name() + "-"
                    + partition + " is not available");
        }
        return new Coordinator(ErrorCode.NONE, null, leader.nodeId(), leader.host(), leader.port());
    }

    // --- routing ---

    /** The shard of {@code key} on this broker, or null (topic missing, or its partition not led or loaded here). */
    public S shardOf(String key) {
        if (metadata.current().topic(topic.name()).isEmpty()) {
            return null;
        }
        return shard(partitionFor(key));
    }

    /** The shard of partition {@code partitionIndex}, or null. */
    public S shard(int partitionIndex) {
        Loaded<S> loaded = shards.get(partitionIndex);
        return loaded == null ? null : loaded.shard();
    }

    /** The shards of this broker (loading ones included). */
    public List<S> shards() {
        List<S> out = new ArrayList<>();
        shards.values().forEach(l -> out.add(l.shard()));
        return out;
    }

    /**
     * Why {@link #shardOf} found no shard for {@code key}: {@code noTopic} while the topic does not exist,
     * COORDINATOR_LOAD_IN_PROGRESS while this broker leads its partition but has not created the shard yet, else
     * NOT_COORDINATOR (another broker coordinates it).
     */
    public ErrorCode missingShardError(String key, ErrorCode noTopic) {
        Optional<TopicImage> t = metadata.current().topic(topic.name());
        if (t.isEmpty()) {
            return noTopic;
        }
        int partition = partitionFor(key);
        return partition < t.get().partitions().size() && t.get().partitions().get(partition).leader() == nodeId
                ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NOT_COORDINATOR;
    }

    // --- background work ---

    /**
     * Runs {@code task} serialized with the other work of the shard of {@code partitionIndex} (after its load);
     * false when this broker has no such shard or the runtime is closed.
     */
    public boolean submit(int partitionIndex, Runnable task) {
        Loaded<S> loaded = shards.get(partitionIndex);
        if (closed || loaded == null) {
            return false;
        }
        loaded.executor().execute(task);
        return true;
    }

    /** Runs {@code task} on every shard, each serialized with the shard's other work; completes when all ran. */
    public CompletableFuture<Void> forEachShard(Consumer<S> task) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Loaded<S> loaded : shards.values()) {
            CompletableFuture<Void> one = new CompletableFuture<>();
            done.add(one);
            loaded.executor().execute(() -> {
                try {
                    task.accept(loaded.shard());
                } finally {
                    one.complete(null);
                }
            });
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    }

    /** Runs {@code task} on the loader thread, after the metadata changes seen before; false once closed. */
    public boolean submit(Runnable task) {
        if (closed) {
            return false;
        }
        try {
            loader.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("{} coordinator task failed", topic.name(), e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // shutting down
        }
    }

    /** Runs {@code task} on the loader thread and waits for it; returns at once when closed. */
    private void submitAndWait(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (submit(() -> {
            try {
                task.run();
            } finally {
                done.complete(null);
            }
        })) {
            done.join();
        }
    }

    /** Waits until every metadata change seen so far has been applied (shards loaded or unloaded). */
    public void awaitIdle() {
        submitAndWait(() -> { });
        if (!closed) {
            forEachShard(shard -> { }).join();
        }
    }

    /** Runs {@code task} every {@code intervalMs} on the broker's scheduler until {@link #close}. */
    public void scheduleWithFixedDelay(Runnable task, long intervalMs) {
        periodic.add(scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("{} coordinator periodic task failed", topic.name(), e);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS));
    }

    /** Runs {@code task} once after {@code delayMs} on the broker's scheduler; null once the broker is shutting down. */
    public ScheduledFuture<?> schedule(Runnable task, long delayMs) {
        try {
            return scheduler.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("{} coordinator task failed", topic.name(), e);
                }
            }, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    // --- following leadership (loader thread) ---

    /** Creates and loads shards of partitions this broker now leads and unloads the others. */
    private void onMetadata(MetadataImage image) {
        if (closed) {
            return;
        }
        Map<Integer, Partition> led = new HashMap<>();
        Map<Integer, Integer> epochs = new HashMap<>();
        image.topic(topic.name()).ifPresent(t -> {
            for (PartitionImage p : t.partitions()) {
                if (p.leader() != nodeId) {
                    continue;
                }
                replicas.partition(new TopicPartition(topic.name(), p.partition())).ifPresent(partition -> {
                    led.put(p.partition(), partition);
                    epochs.put(p.partition(), p.leaderEpoch());
                });
            }
        });
        for (Map.Entry<Integer, Loaded<S>> e : new ArrayList<>(shards.entrySet())) {
            Loaded<S> loaded = e.getValue();
            if (led.get(e.getKey()) != loaded.partition() || epochs.get(e.getKey()) != loaded.leaderEpoch()) {
                // Gone from the map at once (requests get NOT_COORDINATOR or a load in progress); unloaded after
                // whatever the shard was doing.
                shards.remove(e.getKey(), loaded);
                loaded.executor().execute(() -> {
                    loaded.shard().unload();
                    log.info("unloaded {} of {}-{}", topic.contents(), topic.name(), e.getKey());
                });
            }
        }
        List<Integer> created = new ArrayList<>();
        led.forEach((index, partition) -> shards.computeIfAbsent(index, i -> {
            created.add(i);
            return new Loaded<>(partition, epochs.get(i), factory.create(i, epochs.get(i),
                    new ShardLog(partition, replicas, writeTimeoutMs)),
                    new SerialExecutor(shardPool, topic.name() + "-" + i));
        }));
        created.sort(Comparator.naturalOrder());
        for (int index : created) {
            Loaded<S> loaded = shards.get(index);
            loaded.executor().execute(() -> {
                try {
                    factory.load(loaded.shard());
                } catch (RuntimeException e) {
                    log.error("loading {} of {}-{} failed; they are unavailable", topic.contents(), topic.name(),
                            index, e);
                }
            });
        }
        for (Consumer<MetadataImage> listener : afterMetadata) {
            listener.accept(image);
        }
    }

    /** Stops the periodic tasks, the loader thread and the shards' work, then unloads every shard. */
    @Override
    public void close() {
        closed = true;
        periodic.forEach(f -> f.cancel(false));
        stop(loader);
        stop(shardPool);
        shards.values().forEach(l -> l.shard().unload());
        shards.clear();
    }

    private static void stop(ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
