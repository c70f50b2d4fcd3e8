package dev.weir.log.group;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.group.GroupOperations.CommitParams;
import dev.weir.log.group.GroupOperations.Coordinator;
import dev.weir.log.group.GroupOperations.FetchResult;
import dev.weir.log.group.GroupOperations.GroupDescription;
import dev.weir.log.group.GroupOperations.GroupListing;
import dev.weir.log.group.GroupOperations.JoinParams;
import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.LeaveResult;
import dev.weir.log.group.GroupOperations.LeavingMember;
import dev.weir.log.group.GroupOperations.ListResult;
import dev.weir.log.group.GroupOperations.OffsetDeleteResult;
import dev.weir.log.group.GroupOperations.SyncParams;
import dev.weir.log.group.GroupOperations.SyncResult;
import dev.weir.log.group.GroupOperations.TxnCommitParams;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.replica.TransactionMarker;
import dev.weir.log.replica.TransactionMarkerListener;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: classic consumer groups and their committed offsets, stored in the
 * compacted topic {@code __consumer_offsets}. A group belongs to partition
 * {@code abs(groupId.hashCode()) % partitions} (Kafka's rule, so clients and tools agree), and the
 * leader of that partition coordinates it. Each partition this broker leads has a
 * {@link GroupShard}, loaded from the partition's log when the broker becomes leader and dropped
 * when it stops being leader; requests for groups of other partitions get NOT_COORDINATOR. Today
 * every partition is led here; with replication the same metadata events move shards between
 * brokers.
 *
 * <p>Offsets committed inside a transaction (TxnOffsetCommit) are written as transactional batches of the
 * producer and stay pending until the transaction's COMMIT or ABORT marker reaches the offsets partition
 * ({@link #onTransactionMarker}, called by the replica manager; on load, markers are read from the log).
 *
 * <p>The topic is created on first use (FindCoordinator, or Metadata naming it) with
 * {@code offsets.topic.num.partitions} partitions, {@code cleanup.policy=compact} and a replication
 * factor of {@code offsets.topic.replication.factor} capped at the number of brokers.
 *
 * <p>Thread-safety: safe for concurrent use. Metadata changes, shard loads and offset retention run
 * one at a time on the coordinator's own loader thread; requests run on request-handler threads and
 * hold one group's monitor at a time; timers run on the broker's scheduler.
 */
public final class GroupCoordinator implements AutoCloseable, TransactionMarkerListener {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    public static final String OFFSETS_TOPIC = "__consumer_offsets";
    /** Kafka's {@code offsets.topic.segment.bytes} default. */
    private static final String OFFSETS_SEGMENT_BYTES = String.valueOf(100 * 1024 * 1024);
    /** ListGroups type of every group here: the classic rebalance protocol. */
    public static final String CLASSIC_TYPE = "classic";

    private final int nodeId;
    private final GroupConfig config;
    private final MetadataStore metadata;
    private final ReplicaManager replicas;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final ExecutorService loader;
    private final ConcurrentHashMap<Integer, GroupShard> shards = new ConcurrentHashMap<>();
    private final Object topicCreation = new Object();
    /** Topic names of the last image seen by the loader thread. */
    private Set<String> knownTopics = Set.of();
    private ScheduledFuture<?> retentionTask;
    private volatile boolean closed;

    public GroupCoordinator(int nodeId, GroupConfig config, MetadataStore metadata, ReplicaManager replicas,
                            ScheduledExecutorService scheduler, Clock clock) {
        this.nodeId = nodeId;
        this.config = config;
        this.metadata = metadata;
        this.replicas = replicas;
        this.scheduler = scheduler;
        this.clock = clock;
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weir-group-loader");
            t.setDaemon(true);
            return t;
        });
    }

    /** Follows metadata from now on (register after the replica manager, so partitions exist first). */
    public void start() {
        metadata.addListener(image -> submit(() -> onMetadata(image)));
        submit(() -> onMetadata(metadata.current()));
        retentionTask = scheduler.scheduleWithFixedDelay(() -> submit(this::purgeExpiredOffsets),
                config.offsetsRetentionCheckIntervalMs(), config.offsetsRetentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
    }

    public GroupConfig config() {
        return config;
    }

    // --- placement ---

    /** The {@code __consumer_offsets} partition of a group: Kafka's {@code Utils.abs(hashCode) % partitions}. */
    public int partitionFor(String groupId) {
        int h = groupId.hashCode();
        int abs = h == Integer.MIN_VALUE ? 0 : Math.abs(h);
        return abs % partitionCount();
    }

    private int partitionCount() {
        return metadata.current().topic(OFFSETS_TOPIC).map(t -> t.partitions().size())
                .orElse(config.offsetsTopicPartitions());
    }

    public static boolean isOffsetsTopic(String topic) {
        return OFFSETS_TOPIC.equals(topic);
    }

    /** Creates {@code __consumer_offsets} unless it exists. */
    public void ensureOffsetsTopic() {
        if (metadata.current().topic(OFFSETS_TOPIC).isPresent()) {
            return;
        }
        synchronized (topicCreation) {
            MetadataImage image = metadata.current();
            if (image.topic(OFFSETS_TOPIC).isPresent()) {
                return;
            }
            int brokers = image.brokers().size();
            int rf = config.offsetsTopicReplicationFactor();
            if (brokers < rf) {
                throw new org.apache.kafka.common.errors.CoordinatorNotAvailableException("waiting for " + rf
                        + " live brokers to create " + OFFSETS_TOPIC + " (offsets.topic.replication.factor); "
                        + brokers + " registered so far");
            }
            // Compact only (no time or size retention): offsets leave the log by compaction of tombstones.
            Map<String, String> configs = Map.of("cleanup.policy", "compact", "segment.bytes", OFFSETS_SEGMENT_BYTES);
            try {
                metadata.createTopic(OFFSETS_TOPIC, config.offsetsTopicPartitions(), rf, configs);
                log.info("created {} with {} partitions", OFFSETS_TOPIC, config.offsetsTopicPartitions());
            } catch (TopicExistsException e) {
                // created concurrently
            }
        }
    }

    /** FindCoordinator for a group: the leader of its offsets partition. Creates the offsets topic on first use. */
    public Coordinator findGroupCoordinator(String groupId) {
        if (groupId == null) {
            return new Coordinator(ErrorCode.INVALID_REQUEST, "the group id is missing", -1, "", -1);
        }
        try {
            ensureOffsetsTopic();
        } catch (RuntimeException e) {
            log.warn("cannot create {}", OFFSETS_TOPIC, e);
            return new Coordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, "cannot create " + OFFSETS_TOPIC + ": "
                    + e.getMessage(), -1, "", -1);
        }
        MetadataImage image = metadata.current();
        Optional<TopicImage> topic = image.topic(OFFSETS_TOPIC);
        int partition = partitionFor(groupId);
        if (topic.isEmpty() || partition >= topic.get().partitions().size()) {
            return new Coordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, OFFSETS_TOPIC + " is not available", -1, "", -1);
        }
        BrokerInfo leader = image.brokers().get(topic.get().partitions().get(partition).leader());
        if (leader == null) {
            return new Coordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the leader of " + OFFSETS_TOPIC + "-"
                    + partition + " is not available", -1, "", -1);
        }
        return new Coordinator(ErrorCode.NONE, null, leader.nodeId(), leader.host(), leader.port());
    }

    // --- operations, routed to the group's shard ---

    public CompletableFuture<JoinResult> join(JoinParams params) {
        GroupShard shard = shardOf(params.groupId());
        return shard != null ? shard.membership.join(params)
                : CompletableFuture.completedFuture(JoinResult.error(missingShard(params.groupId()), params.memberId()));
    }

    public CompletableFuture<SyncResult> sync(SyncParams params) {
        GroupShard shard = shardOf(params.groupId());
        return shard != null ? shard.membership.sync(params)
                : CompletableFuture.completedFuture(SyncResult.error(missingShard(params.groupId())));
    }

    public ErrorCode heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
        GroupShard shard = shardOf(groupId);
        return shard != null ? shard.membership.heartbeat(groupId, memberId, groupInstanceId, generationId)
                : missingShard(groupId);
    }

    public LeaveResult leave(String groupId, List<LeavingMember> members) {
        GroupShard shard = shardOf(groupId);
        return shard != null ? shard.membership.leave(groupId, members) : new LeaveResult(missingShard(groupId), List.of());
    }

    public CompletableFuture<Map<TopicPartition, ErrorCode>> commitOffsets(CommitParams params) {
        GroupShard shard = shardOf(params.groupId());
        if (shard == null) {
            Map<TopicPartition, ErrorCode> out = new HashMap<>();
            ErrorCode error = missingShard(params.groupId());
            params.partitions().forEach(p -> out.put(p.partition(), error));
            return CompletableFuture.completedFuture(out);
        }
        return shard.offsets.commit(params);
    }

    /** @param partitions null for every partition with a committed offset */
    public FetchResult fetchOffsets(String groupId, Collection<TopicPartition> partitions) {
        return fetchOffsets(groupId, partitions, false);
    }

    /**
     * @param partitions    null for every partition with a committed offset
     * @param requireStable report partitions with offsets pending in an open transaction as unstable
     */
    public FetchResult fetchOffsets(String groupId, Collection<TopicPartition> partitions, boolean requireStable) {
        GroupShard shard = shardOf(groupId);
        return shard != null ? shard.offsets.fetch(groupId, partitions, requireStable)
                : new FetchResult(missingShard(groupId), Map.of());
    }

    /** TxnOffsetCommit: offsets that count once the producer's transaction commits. */
    public CompletableFuture<Map<TopicPartition, ErrorCode>> txnCommitOffsets(TxnCommitParams params) {
        GroupShard shard = shardOf(params.groupId());
        if (shard == null) {
            Map<TopicPartition, ErrorCode> out = new HashMap<>();
            ErrorCode error = missingShard(params.groupId());
            params.partitions().forEach(p -> out.put(p.partition(), error));
            return CompletableFuture.completedFuture(out);
        }
        return shard.offsets.txnCommit(params);
    }

    /**
     * A COMMIT or ABORT marker was appended to a partition this broker leads: for {@code __consumer_offsets},
     * the producer's pending transactional offsets in that shard are applied or dropped. Register with
     * {@code ReplicaManager.addTransactionMarkerListener} (the txn-log branch).
     */
    @Override
    public void onTransactionMarker(TransactionMarker marker) {
        if (!isOffsetsTopic(marker.partition().topic())) {
            return;
        }
        GroupShard shard = shards.get(marker.partition().partition());
        if (shard != null) {
            shard.onTransactionMarker(marker);
        }
    }

    public OffsetDeleteResult deleteOffsets(String groupId, List<TopicPartition> partitions) {
        GroupShard shard = shardOf(groupId);
        return shard != null ? shard.offsets.delete(groupId, partitions)
                : new OffsetDeleteResult(missingShard(groupId), Map.of());
    }

    public GroupDescription describe(String groupId) {
        GroupShard shard = shardOf(groupId);
        return shard != null ? shard.describe(groupId)
                : new GroupDescription(groupId, missingShard(groupId), "", "", "", List.of());
    }

    public ErrorCode deleteGroup(String groupId) {
        GroupShard shard = shardOf(groupId);
        return shard != null ? shard.delete(groupId) : missingShard(groupId);
    }

    /**
     * ListGroups over every shard of this broker, filtered by state and type (Kafka's names, any case;
     * empty filters keep everything). Every group here has type {@value #CLASSIC_TYPE}.
     */
    public ListResult listGroups(Collection<String> states, Collection<String> types) {
        Set<String> stateFilter = lower(states);
        Set<String> typeFilter = lower(types);
        ErrorCode error = ErrorCode.NONE;
        List<GroupListing> out = new ArrayList<>();
        if (!typeFilter.isEmpty() && !typeFilter.contains(CLASSIC_TYPE)) {
            return new ListResult(error, out);
        }
        for (GroupShard shard : shards.values()) {
            if (shard.status() == GroupShard.Status.LOADING) {
                error = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
                continue;
            }
            for (GroupListing g : shard.list()) {
                if (stateFilter.isEmpty() || stateFilter.contains(g.state().toLowerCase(Locale.ROOT))) {
                    out.add(g);
                }
            }
        }
        return new ListResult(error, out);
    }

    private static Set<String> lower(Collection<String> values) {
        Set<String> out = new java.util.HashSet<>();
        if (values != null) {
            values.forEach(v -> out.add(v.toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    private GroupShard shardOf(String groupId) {
        if (groupId == null || metadata.current().topic(OFFSETS_TOPIC).isEmpty()) {
            return null;
        }
        return shards.get(partitionFor(groupId));
    }

    /** No shard for the group here: it is on its way (load pending) or the group belongs to another broker. */
    private ErrorCode missingShard(String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            return ErrorCode.INVALID_GROUP_ID;
        }
        Optional<TopicImage> topic = metadata.current().topic(OFFSETS_TOPIC);
        if (topic.isEmpty()) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        int partition = partitionFor(groupId);
        return partition < topic.get().partitions().size() && topic.get().partitions().get(partition).leader() == nodeId
                ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NOT_COORDINATOR;
    }

    // --- following leadership (loader thread) ---

    /** Runs {@code task} on the loader thread; false once the coordinator is closed. */
    private boolean submit(Runnable task) {
        if (closed) {
            return false;
        }
        try {
            loader.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("group coordinator background task failed", e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // shutting down
        }
    }

    /** Loads shards of partitions this broker now leads, unloads the others, and drops offsets of deleted topics. */
    private void onMetadata(MetadataImage image) {
        if (closed) {
            return;
        }
        Map<Integer, Partition> led = new HashMap<>();
        Map<Integer, Integer> epochs = new HashMap<>();
        image.topic(OFFSETS_TOPIC).ifPresent(topic -> {
            for (PartitionImage p : topic.partitions()) {
                if (p.leader() != nodeId) {
                    continue;
                }
                replicas.partition(new TopicPartition(OFFSETS_TOPIC, p.partition())).ifPresent(partition -> {
                    led.put(p.partition(), partition);
                    epochs.put(p.partition(), p.leaderEpoch());
                });
            }
        });
        for (Map.Entry<Integer, GroupShard> e : new ArrayList<>(shards.entrySet())) {
            Partition now = led.get(e.getKey());
            GroupShard shard = e.getValue();
            if (now == null || now != shard.log().partition() || epochs.get(e.getKey()) != shard.leaderEpoch()) {
                shards.remove(e.getKey(), shard);
                shard.unload();
                log.info("unloaded groups of {}-{}", OFFSETS_TOPIC, e.getKey());
            }
        }
        List<GroupShard> toLoad = new ArrayList<>();
        led.forEach((index, partition) -> shards.computeIfAbsent(index, i -> {
            GroupShard shard = new GroupShard(i, epochs.get(i), new ShardLog(partition, replicas.fetchPurgatory()),
                    config, scheduler, clock);
            toLoad.add(shard);
            return shard;
        }));
        toLoad.sort(java.util.Comparator.comparingInt(GroupShard::partitionIndex));
        for (GroupShard shard : toLoad) {
            try {
                shard.load();
            } catch (RuntimeException e) {
                log.error("loading groups of {}-{} failed; its groups are unavailable", OFFSETS_TOPIC,
                        shard.partitionIndex(), e);
            }
        }
        Set<String> topics = image.topics().keySet();
        boolean topicsDeleted = knownTopics.stream().anyMatch(t -> !topics.contains(t));
        knownTopics = Set.copyOf(topics);
        if (topicsDeleted) {
            purgeExpiredOffsets();
        }
    }

    /** One retention pass (also removes offsets of deleted topics). Runs on the loader thread. */
    private void purgeExpiredOffsets() {
        MetadataImage image = metadata.current();
        int removed = 0;
        for (GroupShard shard : shards.values()) {
            removed += shard.offsets.purge(topic -> image.topics().containsKey(topic));
        }
        if (removed > 0) {
            log.info("offset retention removed {} committed offset(s)", removed);
        }
    }

    /** Runs one retention pass now and waits for it (for tests and tools). */
    public void runRetentionNow() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (submit(() -> {
            try {
                purgeExpiredOffsets();
            } finally {
                done.complete(null);
            }
        })) {
            done.join();
        }
    }

    /** Waits until every metadata change seen so far has been applied (shards loaded or unloaded). */
    public void awaitIdle() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (submit(() -> done.complete(null))) {
            done.join();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (retentionTask != null) {
            retentionTask.cancel(false);
        }
        loader.shutdown();
        try {
            if (!loader.awaitTermination(10, TimeUnit.SECONDS)) {
                loader.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shards.values().forEach(GroupShard::unload);
        shards.clear();
    }
}
