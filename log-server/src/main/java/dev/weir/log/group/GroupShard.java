package dev.weir.log.group;

import dev.weir.log.coordinator.CoordinatorErrors;
import dev.weir.log.coordinator.CoordinatorRuntime;
import dev.weir.log.coordinator.ShardLog;
import dev.weir.log.coordinator.ShardStatus;
import dev.weir.log.group.GroupOperations.CommittedOffset;
import dev.weir.log.group.GroupOperations.GroupDescription;
import dev.weir.log.group.GroupOperations.GroupListing;
import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.MemberDescription;
import dev.weir.log.group.GroupOperations.Protocol;
import dev.weir.log.group.GroupOperations.SyncResult;
import dev.weir.log.group.GroupRecords.GroupKey;
import dev.weir.log.group.GroupRecords.GroupSnapshot;
import dev.weir.log.group.GroupRecords.MemberSnapshot;
import dev.weir.log.group.GroupRecords.OffsetKey;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.replica.TransactionMarker;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of one {@code __consumer_offsets} partition, on the broker that leads it: the unit the
 * coordinator loads when it becomes leader (replaying the partition) and unloads when it stops being
 * leader. Membership and offsets operations live in {@link GroupMembership} and
 * {@link OffsetManager}; this class holds the groups, the shard's status, persistence of group
 * metadata, DescribeGroups, ListGroups and DeleteGroups.
 *
 * <p>Thread-safety: the group map is concurrent; each group is guarded by its own monitor. The status
 * is volatile: a request that finds the shard loading or unloaded gets COORDINATOR_LOAD_IN_PROGRESS or
 * NOT_COORDINATOR.
 */
final class GroupShard implements CoordinatorRuntime.Shard {
    private static final Logger log = LoggerFactory.getLogger(GroupShard.class);

    private final int partitionIndex;
    private final int leaderEpoch;
    private final ShardLog shardLog;
    private final GroupConfig config;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final ConcurrentHashMap<String, ClassicGroup> groups = new ConcurrentHashMap<>();
    private volatile ShardStatus status = ShardStatus.LOADING;
    private final Object transactionalAppends = new Object();
    /** Producer id to the groups where it has offsets pending in an open transaction. */
    private final ConcurrentHashMap<Long, java.util.Set<String>> openTransactions = new ConcurrentHashMap<>();
    /** Markers received while loading; guarded by itself, as is the LOADING to ACTIVE step. */
    private final List<TransactionMarker> markers = new ArrayList<>();
    final GroupMembership membership;
    final OffsetManager offsets;

    GroupShard(int partitionIndex, int leaderEpoch, ShardLog shardLog, GroupConfig config,
               ScheduledExecutorService scheduler, Clock clock) {
        this.partitionIndex = partitionIndex;
        this.leaderEpoch = leaderEpoch;
        this.shardLog = shardLog;
        this.config = config;
        this.scheduler = scheduler;
        this.clock = clock;
        this.membership = new GroupMembership(this, config);
        this.offsets = new OffsetManager(this, config);
    }

    int partitionIndex() {
        return partitionIndex;
    }

    int leaderEpoch() {
        return leaderEpoch;
    }

    ShardLog log() {
        return shardLog;
    }

    long now() {
        return clock.millis();
    }

    ShardStatus status() {
        return status;
    }

    /** NONE when the shard serves requests, else the error that tells the client to retry or look again. */
    ErrorCode availability() {
        return status.availability();
    }

    ClassicGroup group(String groupId) {
        return groups.get(groupId);
    }

    ClassicGroup getOrCreateGroup(String groupId) {
        return groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, now()));
    }

    java.util.Collection<ClassicGroup> groups() {
        return groups.values();
    }

    /**
     * Forgets a group that holds nothing and was never written to the log (generation 0, no offsets):
     * one created by a JoinGroup that did not lead to a member, or a commit that stored nothing.
     * Caller holds the group's monitor.
     */
    void removeIfUnused(ClassicGroup group) {
        if (group.is(GroupState.EMPTY) && group.hasNoMembers() && group.pendingMembers().isEmpty()
                && group.offsets().isEmpty() && group.pendingTxnOffsets().isEmpty() && group.generationId() == 0) {
            group.transitionTo(GroupState.DEAD, now());
            groups.remove(group.groupId(), group);
        }
    }

    /** Marks a group Dead and drops it. Caller holds the group's monitor. */
    void removeDead(ClassicGroup group) {
        group.transitionTo(GroupState.DEAD, now());
        groups.remove(group.groupId(), group);
    }

    /** Runs {@code task} after {@code delayMs} on the broker's scheduler; null once the broker is shutting down. */
    ScheduledFuture<?> schedule(Runnable task, long delayMs) {
        try {
            return scheduler.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("group coordinator task on partition {} failed", partitionIndex, e);
                }
            }, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    // --- persistence ---

    /** The group's metadata record value; {@code assignments} overrides the members' current ones when given. */
    GroupSnapshot snapshot(ClassicGroup group, Map<String, byte[]> assignments) {
        List<MemberSnapshot> members = new ArrayList<>();
        for (GroupMember m : group.members()) {
            byte[] metadata = group.protocolName() == null ? null : m.metadata(group.protocolName());
            byte[] assignment = assignments != null ? assignments.get(m.memberId()) : m.assignment();
            members.add(new MemberSnapshot(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                    m.rebalanceTimeoutMs(), m.sessionTimeoutMs(), metadata == null ? new byte[0] : metadata,
                    assignment == null ? new byte[0] : assignment));
        }
        return new GroupSnapshot(group.protocolType(), group.generationId(), group.protocolName(), group.leaderId(),
                group.stateTimestampMs(), members);
    }

    /**
     * Appends the group's metadata record. The returned future fails if the append fails (also when it
     * throws) and completes once the record is replicated.
     */
    CompletableFuture<Void> persist(ClassicGroup group, GroupSnapshot snapshot) {
        try {
            return shardLog.append(List.of(new KeyValueBatches.Entry(GroupRecords.groupKey(group.groupId()),
                    GroupRecords.groupValue(snapshot))), now());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }


    // --- load / unload ---

    /**
     * Replays the partition into groups and starts serving. Runs on the runtime's shard thread.
     * Offsets of a transactional batch stay pending for their producer until a COMMIT (they become committed
     * offsets) or ABORT marker (dropped) follows in the log; those still open at the log end stay pending,
     * and their marker arrives later through {@link #onTransactionMarker}.
     */
    void load() {
        long start = System.nanoTime();
        Map<String, GroupSnapshot> metadata = new HashMap<>();
        Map<String, Map<TopicPartition, CommittedOffset>> committed = new HashMap<>();
        Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> open = new HashMap<>();
        int[] records = new int[1];
        long end = shardLog.replayWithMarkers(new KeyValueBatches.TransactionalVisitor() {
            @Override
            public void record(KeyValueBatches.Read r, long producerId, short producerEpoch, boolean transactional) {
                records[0]++;
                try {
                    GroupRecords.Key key = GroupRecords.readKey(r.key());
                    if (transactional && key instanceof OffsetKey k && r.value() != null) {
                        open.computeIfAbsent(producerId, p -> new HashMap<>())
                                .computeIfAbsent(k.groupId(), g -> new HashMap<>())
                                .put(k.partition(), GroupRecords.readOffset(r.value()));
                    } else if (key instanceof OffsetKey k) {
                        if (r.value() == null) {
                            Map<TopicPartition, CommittedOffset> of = committed.get(k.groupId());
                            if (of != null) {
                                of.remove(k.partition());
                            }
                        } else {
                            committed.computeIfAbsent(k.groupId(), g -> new HashMap<>())
                                    .put(k.partition(), GroupRecords.readOffset(r.value()));
                        }
                    } else if (key instanceof GroupKey k) {
                        if (r.value() == null) {
                            metadata.remove(k.groupId());
                        } else {
                            metadata.put(k.groupId(), GroupRecords.readGroup(r.value()));
                        }
                    } else {
                        log.warn("__consumer_offsets-{} offset {}: skipping a record of unknown type {}", partitionIndex,
                                r.offset(), key);
                    }
                } catch (IllegalArgumentException e) {
                    log.error("__consumer_offsets-{} offset {}: skipping an unreadable record: {}", partitionIndex,
                            r.offset(), e.getMessage());
                }
            }

            @Override
            public void marker(long offset, long producerId, short producerEpoch, boolean commit) {
                Map<String, Map<TopicPartition, CommittedOffset>> ended = open.remove(producerId);
                if (ended != null && commit) {
                    ended.forEach((groupId, of) -> committed.computeIfAbsent(groupId, g -> new HashMap<>()).putAll(of));
                }
            }
        });
        Map<String, ClassicGroup> loaded = new LinkedHashMap<>();
        long now = now();
        metadata.forEach((groupId, snap) -> loaded.put(groupId, restore(groupId, snap, now)));
        committed.forEach((groupId, of) -> {
            if (!of.isEmpty()) {
                loaded.computeIfAbsent(groupId, id -> new ClassicGroup(id, now)).offsets().putAll(of);
            }
        });
        open.forEach((producerId, byGroup) -> byGroup.forEach((groupId, of) -> {
            loaded.computeIfAbsent(groupId, id -> new ClassicGroup(id, now)).pendingTxnOffsets().put(producerId, of);
            trackTransaction(producerId, groupId);
        }));
        groups.putAll(loaded);
        for (ClassicGroup g : loaded.values()) {
            synchronized (g) {
                g.members().forEach(m -> membership.startSession(g, m));
            }
        }
        List<TransactionMarker> missed;
        synchronized (markers) {
            if (status == ShardStatus.LOADING) {
                status = ShardStatus.ACTIVE;
            }
            missed = new ArrayList<>(markers);
            markers.clear();
        }
        for (TransactionMarker m : missed) {
            if (m.offset() >= end) {
                completeTransaction(m);
            }
        }
        log.info("loaded {} group(s) from {} record(s) of __consumer_offsets-{} in {} ms ({} open transaction(s))",
                loaded.size(), records[0], partitionIndex, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                open.size());
    }

    // --- transactional offsets ---

    /** Held while appending a transactional batch, so one producer's sequence numbers never interleave. */
    Object transactionalAppends() {
        return transactionalAppends;
    }

    /** Remembers that {@code producerId} has offsets pending in {@code groupId}. */
    void trackTransaction(long producerId, String groupId) {
        openTransactions.computeIfAbsent(producerId, p -> ConcurrentHashMap.newKeySet()).add(groupId);
    }

    /**
     * A COMMIT or ABORT marker reached this partition: the producer's pending offsets are applied or dropped.
     * Markers arriving while the shard loads are kept and applied after the replay if the replay did not see them.
     */
    void onTransactionMarker(TransactionMarker marker) {
        synchronized (markers) {
            if (status == ShardStatus.LOADING) {
                markers.add(marker);
                return;
            }
        }
        if (status == ShardStatus.ACTIVE) {
            completeTransaction(marker);
        }
    }

    private void completeTransaction(TransactionMarker marker) {
        java.util.Set<String> groupIds = openTransactions.remove(marker.producerId());
        if (groupIds != null) {
            offsets.completeTransaction(marker.producerId(), marker.committed(), groupIds);
        }
    }

    private ClassicGroup restore(String groupId, GroupSnapshot snap, long now) {
        ClassicGroup group = new ClassicGroup(groupId, now);
        List<GroupMember> members = new ArrayList<>();
        for (MemberSnapshot m : snap.members()) {
            List<Protocol> protocols = snap.protocolName() == null ? List.of()
                    : List.of(new Protocol(snap.protocolName(), m.metadata()));
            GroupMember member = new GroupMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                    m.sessionTimeoutMs(), m.rebalanceTimeoutMs(), protocols);
            member.setAssignment(m.assignment());
            member.lastSeenMs = now;
            members.add(member);
        }
        GroupState state = members.isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        group.restore(state, members.isEmpty() ? snap.stateTimestampMs() : now, snap.generationId(), snap.protocolType(),
                members.isEmpty() ? null : snap.protocolName(), members.isEmpty() ? null : snap.leaderId(), members);
        return group;
    }

    /** Stops serving: waiting JoinGroup and SyncGroup requests are answered NOT_COORDINATOR, timers stop. */
    @Override
    public void unload() {
        status = ShardStatus.UNLOADED;
        for (ClassicGroup group : groups.values()) {
            synchronized (group) {
                for (GroupMember m : group.members()) {
                    if (m.awaitingJoin != null) {
                        m.awaitingJoin.complete(JoinResult.error(ErrorCode.NOT_COORDINATOR, m.memberId()));
                        m.awaitingJoin = null;
                    }
                    if (m.awaitingSync != null) {
                        m.awaitingSync.complete(SyncResult.error(ErrorCode.NOT_COORDINATOR));
                        m.awaitingSync = null;
                    }
                    if (m.sessionCheck != null) {
                        m.sessionCheck.cancel(false);
                    }
                }
                group.pendingMembers().values().forEach(f -> {
                    if (f != null) {
                        f.cancel(false);
                    }
                });
                cancel(group.joinTimer);
                cancel(group.syncTimer);
                if (!group.is(GroupState.DEAD)) {
                    group.transitionTo(GroupState.DEAD, now());
                }
            }
        }
        groups.clear();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // --- DescribeGroups, ListGroups, DeleteGroups ---

    GroupDescription describe(String groupId) {
        ErrorCode availability = availability();
        if (availability != ErrorCode.NONE) {
            return new GroupDescription(groupId, availability, "", "", "", List.of());
        }
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return notFound(groupId);
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return notFound(groupId);
            }
            boolean stable = group.is(GroupState.STABLE);
            List<MemberDescription> members = new ArrayList<>();
            for (GroupMember m : group.members()) {
                byte[] metadata = stable ? m.metadata(group.protocolName()) : null;
                members.add(new MemberDescription(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                        metadata == null ? new byte[0] : metadata, stable ? m.assignment() : new byte[0]));
            }
            return new GroupDescription(groupId, ErrorCode.NONE, group.state().kafkaName(),
                    group.protocolType() == null ? "" : group.protocolType(),
                    stable ? group.protocolName() : "", members);
        }
    }

    private static GroupDescription notFound(String groupId) {
        return new GroupDescription(groupId, ErrorCode.GROUP_ID_NOT_FOUND, GroupState.DEAD.kafkaName(), "", "", List.of());
    }

    List<GroupListing> list() {
        List<GroupListing> out = new ArrayList<>();
        for (ClassicGroup group : groups.values()) {
            synchronized (group) {
                if (!group.is(GroupState.DEAD)) {
                    out.add(new GroupListing(group.groupId(), group.protocolType() == null ? "" : group.protocolType(),
                            group.state().kafkaName()));
                }
            }
        }
        return out;
    }

    /** DeleteGroups of one group: only an Empty group can go; its offsets and metadata get tombstones. */
    ErrorCode delete(String groupId) {
        ErrorCode availability = availability();
        if (availability != ErrorCode.NONE) {
            return availability;
        }
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return ErrorCode.GROUP_ID_NOT_FOUND;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return ErrorCode.GROUP_ID_NOT_FOUND;
            }
            if (!group.is(GroupState.EMPTY) || !group.hasNoMembers()) {
                return ErrorCode.NON_EMPTY_GROUP;
            }
            List<KeyValueBatches.Entry> tombstones = new ArrayList<>();
            group.offsets().keySet().forEach(tp ->
                    tombstones.add(new KeyValueBatches.Entry(GroupRecords.offsetKey(groupId, tp), null)));
            tombstones.add(new KeyValueBatches.Entry(GroupRecords.groupKey(groupId), null));
            try {
                shardLog.append(tombstones, now());
            } catch (RuntimeException e) {
                log.warn("deleting group '{}' failed", groupId, e);
                return CoordinatorErrors.ofWrite(e, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.REQUEST_TIMED_OUT);
            }
            group.offsets().clear();
            group.pendingMembers().values().forEach(GroupShard::cancel);
            group.pendingMembers().clear();
            removeDead(group);
            log.info("deleted group '{}'", groupId);
            return ErrorCode.NONE;
        }
    }
}
