package dev.weir.log.group;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.coordinator.Coordinator;
import dev.weir.log.coordinator.CoordinatorRuntime;
import dev.weir.log.coordinator.ShardLog;
import dev.weir.log.coordinator.ShardStatus;
import dev.weir.log.group.GroupOperations.CommitParams;
import dev.weir.log.group.GroupOperations.FetchResult;
import dev.weir.log.group.GroupOperations.GroupDescription;
import dev.weir.log.group.GroupOperations.GroupListing;
import dev.weir.log.group.GroupOperations.JoinParams;
import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.LeaveResult;
import dev.weir.log.group.GroupOperations.LeavingMember;
import dev.weir.log.group.GroupOperations.ListResult;
import dev.weir.log.group.GroupOperations.OffsetDeleteResult;
import dev.weir.log.group.GroupOperations.PartitionCommit;
import dev.weir.log.group.GroupOperations.SyncParams;
import dev.weir.log.group.GroupOperations.SyncResult;
import dev.weir.log.group.GroupOperations.TxnCommitParams;
import dev.weir.log.protocol.ErrorCode;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: classic consumer groups and their committed offsets, stored in the
 * compacted topic {@code __consumer_offsets}. A group belongs to partition
 * {@code abs(groupId.hashCode()) % partitions} (Kafka's rule, so clients and tools agree), and the
 * leader of that partition coordinates it. Each partition this broker leads has a
 * {@link GroupShard}, loaded from the partition's log when the broker becomes leader and dropped
 * when it stops being leader ({@link CoordinatorRuntime} does the placement, loading and unloading);
 * requests for groups of other partitions get NOT_COORDINATOR. Writes to the topic are acks=all and
 * honour {@code min.insync.replicas}; a failed write gets Kafka's coordinator error
 * ({@link dev.weir.log.coordinator.CoordinatorErrors}).
 *
 * <p>Offsets committed inside a transaction (TxnOffsetCommit) are written as transactional batches of the
 * producer and stay pending until the transaction's COMMIT or ABORT marker reaches the offsets partition
 * ({@link #onTransactionMarker}, called by the replica manager; on load, markers are read from the log).
 *
 * <p>The topic is created on first use (FindCoordinator, or Metadata naming it) with
 * {@code offsets.topic.num.partitions} partitions, {@code cleanup.policy=compact} and a replication
 * factor of {@code offsets.topic.replication.factor} capped at the number of brokers.
 *
 * <p>Thread-safety: safe for concurrent use. Metadata changes run on the runtime's loader thread; a shard's
 * load, offset retention passes and unload run one at a time on the runtime's shard threads; requests run on request-handler threads and
 * hold one group's monitor at a time; timers run on the broker's scheduler.
 */
public final class GroupCoordinator implements AutoCloseable, TransactionMarkerListener {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    public static final String OFFSETS_TOPIC = "__consumer_offsets";
    /** ListGroups type of every group here: the classic rebalance protocol. */
    public static final String CLASSIC_TYPE = "classic";

    private final GroupConfig config;
    private final MetadataStore metadata;
    private final CoordinatorRuntime<GroupShard> runtime;
    /** Topic names of the last image seen by the loader thread. */
    private Set<String> knownTopics = Set.of();

    public GroupCoordinator(int nodeId, GroupConfig config, MetadataStore metadata, ReplicaManager replicas,
                            ScheduledExecutorService scheduler, Clock clock) {
        this.config = config;
        this.metadata = metadata;
        this.runtime = new CoordinatorRuntime<>(new CoordinatorRuntime.InternalTopic(OFFSETS_TOPIC,
                config.offsetsTopicPartitions(), config.offsetsTopicReplicationFactor(),
                "offsets.topic.replication.factor", "groups"), nodeId, metadata, replicas, scheduler,
                config.offsetCommitTimeoutMs(), "weir-group-loader", new CoordinatorRuntime.Shards<>() {
                    @Override
                    public GroupShard create(int partitionIndex, int leaderEpoch, ShardLog log) {
                        return new GroupShard(partitionIndex, leaderEpoch, log, config, scheduler, clock);
                    }

                    @Override
                    public void load(GroupShard shard) {
                        shard.load();
                    }
                });
        runtime.afterMetadata(this::purgeIfTopicsDeleted);
    }

    /** Follows metadata from now on (register after the replica manager, so partitions exist first). */
    public void start() {
        runtime.start();
        runtime.scheduleWithFixedDelay(this::purgeExpiredOffsets, config.offsetsRetentionCheckIntervalMs());
    }

    public GroupConfig config() {
        return config;
    }

    // --- placement ---

    /** The {@code __consumer_offsets} partition of a group: Kafka's {@code Utils.abs(hashCode) % partitions}. */
    public int partitionFor(String groupId) {
        return runtime.partitionFor(groupId);
    }

    public static boolean isOffsetsTopic(String topic) {
        return OFFSETS_TOPIC.equals(topic);
    }

    /** Creates {@code __consumer_offsets} unless it exists. */
    public void ensureOffsetsTopic() {
        runtime.ensureTopic();
    }

    /** FindCoordinator for a group: the leader of its offsets partition. Creates the offsets topic on first use. */
    public Coordinator findGroupCoordinator(String groupId) {
        if (groupId == null) {
            return Coordinator.error(ErrorCode.INVALID_REQUEST, "the group id is missing");
        }
        return runtime.find(groupId);
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
        return shard != null ? shard.offsets.commit(params)
                : CompletableFuture.completedFuture(everyPartition(params.partitions(), missingShard(params.groupId())));
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
        return shard != null ? shard.offsets.txnCommit(params)
                : CompletableFuture.completedFuture(everyPartition(params.partitions(), missingShard(params.groupId())));
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
        GroupShard shard = runtime.shard(marker.partition().partition());
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
        for (GroupShard shard : runtime.shards()) {
            if (shard.status() == ShardStatus.LOADING) {
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

    private static Map<TopicPartition, ErrorCode> everyPartition(List<PartitionCommit> partitions, ErrorCode error) {
        Map<TopicPartition, ErrorCode> out = new HashMap<>();
        partitions.forEach(p -> out.put(p.partition(), error));
        return out;
    }

    private GroupShard shardOf(String groupId) {
        return groupId == null ? null : runtime.shardOf(groupId);
    }

    /** No shard for the group here: it is on its way (load pending) or the group belongs to another broker. */
    private ErrorCode missingShard(String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            return ErrorCode.INVALID_GROUP_ID;
        }
        return runtime.missingShardError(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }

    // --- background work ---

    /** After a metadata change: offsets of deleted topics go at once. */
    private void purgeIfTopicsDeleted(MetadataImage image) {
        Set<String> topics = image.topics().keySet();
        boolean topicsDeleted = knownTopics.stream().anyMatch(t -> !topics.contains(t));
        knownTopics = Set.copyOf(topics);
        if (topicsDeleted) {
            purgeExpiredOffsets(image);
        }
    }

    /** One retention pass (also removes offsets of deleted topics), on each shard after what it is doing. */
    private CompletableFuture<Void> purgeExpiredOffsets() {
        return purgeExpiredOffsets(metadata.current());
    }

    private CompletableFuture<Void> purgeExpiredOffsets(MetadataImage image) {
        AtomicInteger removed = new AtomicInteger();
        return runtime.forEachShard(shard -> removed.addAndGet(shard.offsets.purge(topic -> image.topics().containsKey(topic))))
                .thenRun(() -> {
                    if (removed.get() > 0) {
                        log.info("offset retention removed {} committed offset(s)", removed.get());
                    }
                });
    }

    /** Runs one retention pass now and waits for it (for tests and tools). */
    public void runRetentionNow() {
        purgeExpiredOffsets().join();
    }

    /** Waits until every metadata change seen so far has been applied (shards loaded or unloaded). */
    public void awaitIdle() {
        runtime.awaitIdle();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
