package dev.weir.log.group;

import dev.weir.log.coordinator.CoordinatorErrors;
import dev.weir.log.group.GroupOperations.CommitParams;
import dev.weir.log.group.GroupOperations.CommittedOffset;
import dev.weir.log.group.GroupOperations.FetchResult;
import dev.weir.log.group.GroupOperations.OffsetDeleteResult;
import dev.weir.log.group.GroupOperations.PartitionCommit;
import dev.weir.log.group.GroupOperations.TxnCommitParams;
import dev.weir.log.protocol.ConsumerSubscriptions;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.KeyValueBatches;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets of the groups of one shard: OffsetCommit (with generation and member fencing),
 * TxnOffsetCommit (offsets pending in a transaction until its marker), OffsetFetch, OffsetDelete, and removal of offsets that expired ({@code offsets.retention.minutes})
 * or whose topic is gone.
 *
 * <p>An accepted commit is appended to the offsets partition and applied to the group's in-memory
 * offsets right after the append; the response waits until the append is replicated (the high
 * watermark covers it). Readers therefore see the log end, like Kafka's coordinator after a local
 * append.
 *
 * <p>Thread-safety: every operation holds the monitor of the group it touches.
 */
final class OffsetManager {
    private static final Logger log = LoggerFactory.getLogger(OffsetManager.class);

    private final GroupShard shard;
    private final GroupConfig config;

    OffsetManager(GroupShard shard, GroupConfig config) {
        this.shard = shard;
        this.config = config;
    }

    // --- OffsetCommit ---

    /** The error of every partition of the commit, in request order. */
    CompletableFuture<Map<TopicPartition, ErrorCode>> commit(CommitParams p) {
        if (p.groupId() == null || p.groupId().isEmpty()) {
            return done(all(p.partitions(), ErrorCode.INVALID_GROUP_ID));
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return done(all(p.partitions(), availability));
        }
        String memberId = p.memberId() == null ? "" : p.memberId();
        ClassicGroup group = shard.group(p.groupId());
        if (group == null) {
            if (p.generationId() >= 0 || !memberId.isEmpty() || p.groupInstanceId() != null) {
                // Not a group this coordinator knows: the member's generation cannot be current.
                return done(all(p.partitions(), p.groupIdNotFoundIsAnError()
                        ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION));
            }
            // Offsets from outside group management (Admin, a consumer using assign()) make a simple group.
            group = shard.getOrCreateGroup(p.groupId());
        }
        synchronized (group) {
            try {
                ErrorCode error = validateCommit(group, memberId, p.groupInstanceId(), p.generationId());
                if (error != ErrorCode.NONE) {
                    return done(all(p.partitions(), error));
                }
                if (group.has(memberId)) {
                    group.member(memberId).lastSeenMs = shard.now();
                }
                return store(group, p.partitions());
            } finally {
                shard.removeIfUnused(group);
            }
        }
    }

    /** As Kafka's classic groups validate a (non-transactional) commit. */
    private static ErrorCode validateCommit(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        return validateCommit(group, memberId, groupInstanceId, generationId, false);
    }

    /**
     * As Kafka's classic groups validate a commit. A transactional commit (TxnOffsetCommit) without member and
     * generation is accepted even while the group has members, and also while it completes a rebalance: the
     * transaction, not the group, decides whether the offsets count.
     */
    private static ErrorCode validateCommit(ClassicGroup group, String memberId, String groupInstanceId, int generationId,
                                            boolean transactional) {
        if (group.is(GroupState.DEAD)) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        if (generationId < 0 && group.is(GroupState.EMPTY)) {
            return ErrorCode.NONE; // Admin or a consumer without group management, and nobody is in the group
        }
        if (generationId >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
            if (group.isStaticMemberFenced(memberId, groupInstanceId)) {
                return ErrorCode.FENCED_INSTANCE_ID;
            }
            if (!group.has(memberId)) {
                return ErrorCode.UNKNOWN_MEMBER_ID;
            }
            if (generationId != group.generationId()) {
                return ErrorCode.ILLEGAL_GENERATION;
            }
        } else if (!transactional) {
            // No member, no generation, but the group has members: it is not this client's to commit for.
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (!transactional && group.is(GroupState.COMPLETING_REBALANCE)) {
            return ErrorCode.REBALANCE_IN_PROGRESS;
        }
        return ErrorCode.NONE;
    }

    /**
     * The partitions of one commit: refused ones (metadata too large) already have their error, accepted ones NONE
     * until the write of {@code entries} fails.
     */
    private record Commit(Map<TopicPartition, ErrorCode> results, Map<TopicPartition, CommittedOffset> accepted,
                          List<KeyValueBatches.Entry> entries, long now) {

        /** Every accepted partition gets the error of the failed write. */
        Map<TopicPartition, ErrorCode> failAccepted(ErrorCode error) {
            accepted.keySet().forEach(tp -> results.put(tp, error));
            return results;
        }

        /** The results once the write is replicated, or failed (as Kafka's GroupCoordinator maps the error). */
        CompletableFuture<Map<TopicPartition, ErrorCode>> whenReplicated(CompletableFuture<Void> replicated) {
            return replicated.handle((v, error) -> error == null ? results : failAccepted(writeError(error)));
        }
    }

    private Commit prepare(ClassicGroup group, List<PartitionCommit> partitions) {
        Commit commit = new Commit(new LinkedHashMap<>(), new LinkedHashMap<>(), new ArrayList<>(), shard.now());
        for (PartitionCommit c : partitions) {
            String metadata = c.metadata() == null ? "" : c.metadata();
            if (metadata.length() > config.offsetMetadataMaxBytes()) {
                commit.results().put(c.partition(), ErrorCode.OFFSET_METADATA_TOO_LARGE);
                continue;
            }
            CommittedOffset offset = new CommittedOffset(c.offset(), c.leaderEpoch(), metadata, commit.now());
            commit.accepted().put(c.partition(), offset);
            commit.entries().add(new KeyValueBatches.Entry(GroupRecords.offsetKey(group.groupId(), c.partition()),
                    GroupRecords.offsetValue(offset)));
            commit.results().put(c.partition(), ErrorCode.NONE);
        }
        return commit;
    }

    /** An offset commit's failed write: a too-large batch is INVALID_COMMIT_OFFSET_SIZE, a timeout REQUEST_TIMED_OUT. */
    private static ErrorCode writeError(Throwable failure) {
        return CoordinatorErrors.ofWrite(failure, ErrorCode.INVALID_COMMIT_OFFSET_SIZE, ErrorCode.REQUEST_TIMED_OUT);
    }

    private CompletableFuture<Map<TopicPartition, ErrorCode>> store(ClassicGroup group, List<PartitionCommit> partitions) {
        Commit commit = prepare(group, partitions);
        if (commit.entries().isEmpty()) {
            return done(commit.results());
        }
        CompletableFuture<Void> replicated;
        try {
            replicated = shard.log().append(commit.entries(), commit.now());
        } catch (RuntimeException e) {
            log.warn("storing offsets of group '{}' failed", group.groupId(), e);
            return done(commit.failAccepted(writeError(e)));
        }
        group.offsets().putAll(commit.accepted());
        return commit.whenReplicated(replicated);
    }

    // --- TxnOffsetCommit ---

    /**
     * TxnOffsetCommit: validates like OffsetCommit (with the transactional relaxations), then appends the
     * offsets as a transactional batch of the producer, so they are part of its transaction and the
     * transaction's marker reaches this partition. They stay pending (invisible to OffsetFetch) until then.
     *
     * @return the error of every partition
     */
    CompletableFuture<Map<TopicPartition, ErrorCode>> txnCommit(TxnCommitParams p) {
        if (p.groupId() == null || p.groupId().isEmpty()) {
            return done(all(p.partitions(), ErrorCode.INVALID_GROUP_ID));
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return done(all(p.partitions(), availability));
        }
        String memberId = p.memberId() == null ? "" : p.memberId();
        ClassicGroup group = shard.group(p.groupId());
        if (group == null) {
            if (p.generationId() >= 0 || !memberId.isEmpty() || p.groupInstanceId() != null) {
                return done(all(p.partitions(), ErrorCode.ILLEGAL_GENERATION));
            }
            group = shard.getOrCreateGroup(p.groupId());
        }
        synchronized (group) {
            try {
                ErrorCode error = validateCommit(group, memberId, p.groupInstanceId(), p.generationId(), true);
                if (error != ErrorCode.NONE) {
                    return done(all(p.partitions(), error));
                }
                return storeTransactional(group, p);
            } finally {
                shard.removeIfUnused(group);
            }
        }
    }

    private CompletableFuture<Map<TopicPartition, ErrorCode>> storeTransactional(ClassicGroup group, TxnCommitParams p) {
        Commit commit = prepare(group, p.partitions());
        if (commit.entries().isEmpty()) {
            return done(commit.results());
        }
        CompletableFuture<Void> replicated;
        try {
            // One producer's appends must not interleave: each continues the sequence of the previous one.
            synchronized (shard.transactionalAppends()) {
                replicated = shard.log().appendTransactional(commit.entries(), commit.now(), p.producerId(),
                        p.producerEpoch());
            }
        } catch (InvalidProducerEpochException e) {
            log.info("TxnOffsetCommit of group '{}' by producer {} epoch {} fenced: {}", group.groupId(),
                    p.producerId(), p.producerEpoch(), e.getMessage());
            return done(commit.failAccepted(ErrorCode.PRODUCER_FENCED));
        } catch (RuntimeException e) {
            log.warn("storing transactional offsets of group '{}' failed", group.groupId(), e);
            return done(commit.failAccepted(writeError(e)));
        }
        group.pendingTxnOffsets().computeIfAbsent(p.producerId(), pid -> new HashMap<>()).putAll(commit.accepted());
        shard.trackTransaction(p.producerId(), group.groupId());
        return commit.whenReplicated(replicated);
    }

    /**
     * The transaction of {@code producerId} ended in this partition: its pending offsets in {@code groupIds}
     * become committed offsets (COMMIT) or are dropped (ABORT).
     */
    void completeTransaction(long producerId, boolean committed, Collection<String> groupIds) {
        for (String groupId : groupIds) {
            ClassicGroup group = shard.group(groupId);
            if (group == null) {
                continue;
            }
            synchronized (group) {
                Map<TopicPartition, CommittedOffset> pending = group.pendingTxnOffsets().remove(producerId);
                if (pending != null && committed && !group.is(GroupState.DEAD)) {
                    group.offsets().putAll(pending);
                }
                shard.removeIfUnused(group);
            }
        }
    }

    // --- OffsetFetch ---

    /**
     * The committed offsets of {@code partitions} (those without one are left out), or all when null. With
     * {@code requireStable}, partitions with an offset pending in an open transaction are reported unstable.
     */
    FetchResult fetch(String groupId, Collection<TopicPartition> partitions, boolean requireStable) {
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return new FetchResult(availability, Map.of());
        }
        ClassicGroup group = groupId == null ? null : shard.group(groupId);
        if (group == null) {
            return new FetchResult(ErrorCode.NONE, Map.of());
        }
        synchronized (group) {
            Map<TopicPartition, CommittedOffset> out = new LinkedHashMap<>();
            if (group.is(GroupState.DEAD)) {
                return new FetchResult(ErrorCode.NONE, out);
            }
            java.util.Set<TopicPartition> unstable = new java.util.HashSet<>();
            if (partitions == null) {
                out.putAll(group.offsets());
                if (requireStable) {
                    group.pendingTxnOffsets().values().forEach(pending -> unstable.addAll(pending.keySet()));
                }
            } else {
                for (TopicPartition tp : partitions) {
                    CommittedOffset o = group.offsets().get(tp);
                    if (o != null) {
                        out.put(tp, o);
                    }
                    if (requireStable && group.hasPendingTxnOffset(tp)) {
                        unstable.add(tp);
                    }
                }
            }
            return new FetchResult(ErrorCode.NONE, out, unstable);
        }
    }

    // --- OffsetDelete ---

    OffsetDeleteResult delete(String groupId, List<TopicPartition> partitions) {
        if (groupId == null || groupId.isEmpty()) {
            return new OffsetDeleteResult(ErrorCode.INVALID_GROUP_ID, Map.of());
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return new OffsetDeleteResult(availability, Map.of());
        }
        ClassicGroup group = shard.group(groupId);
        if (group == null) {
            return new OffsetDeleteResult(ErrorCode.GROUP_ID_NOT_FOUND, Map.of());
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return new OffsetDeleteResult(ErrorCode.GROUP_ID_NOT_FOUND, Map.of());
            }
            Optional<Set<String>> subscribed;
            if (group.is(GroupState.EMPTY)) {
                subscribed = Optional.of(Set.of());
            } else if (ConsumerSubscriptions.PROTOCOL_TYPE.equals(group.protocolType())) {
                subscribed = group.subscribedTopics(); // empty when unreadable: then every topic counts as subscribed
            } else {
                return new OffsetDeleteResult(ErrorCode.NON_EMPTY_GROUP, Map.of());
            }
            Map<TopicPartition, ErrorCode> results = new LinkedHashMap<>();
            List<TopicPartition> deletable = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (subscribed.isEmpty() || subscribed.get().contains(tp.topic())) {
                    results.put(tp, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
                } else {
                    results.put(tp, ErrorCode.NONE);
                    if (group.offsets().containsKey(tp)) {
                        deletable.add(tp);
                    }
                }
            }
            ErrorCode error = removeOffsets(group, deletable, false);
            if (error != ErrorCode.NONE) {
                deletable.forEach(tp -> results.put(tp, error));
            }
            return new OffsetDeleteResult(ErrorCode.NONE, results);
        }
    }

    // --- expiry ---

    /**
     * Removes expired offsets and offsets of topics that no longer exist, and deletes Empty groups left
     * with no offsets. Kafka's rules: an Empty group's offsets expire once it has been empty for the
     * retention period; a Stable consumer group's offsets of topics it no longer subscribes to, and a
     * simple group's offsets, expire by their commit time.
     *
     * @return how many offsets were removed
     */
    int purge(Predicate<String> topicExists) {
        if (shard.availability() != ErrorCode.NONE) {
            return 0;
        }
        long now = shard.now();
        long retention = config.offsetsRetentionMs();
        int removed = 0;
        for (ClassicGroup group : new ArrayList<>(shard.groups())) {
            synchronized (group) {
                if (group.is(GroupState.DEAD)) {
                    continue;
                }
                Predicate<Map.Entry<TopicPartition, CommittedOffset>> expired = expiryCondition(group, now, retention);
                List<TopicPartition> gone = new ArrayList<>();
                for (Map.Entry<TopicPartition, CommittedOffset> e : group.offsets().entrySet()) {
                    if (!topicExists.test(e.getKey().topic()) || expired.test(e)) {
                        gone.add(e.getKey());
                    }
                }
                boolean deleteGroup = group.is(GroupState.EMPTY) && group.hasNoMembers()
                        && group.pendingMembers().isEmpty() && gone.size() == group.offsets().size();
                if (gone.isEmpty() && !deleteGroup) {
                    continue;
                }
                if (removeOffsets(group, gone, deleteGroup) == ErrorCode.NONE) {
                    removed += gone.size();
                    if (!gone.isEmpty()) {
                        log.info("removed {} expired offset(s) of group '{}'", gone.size(), group.groupId());
                    }
                    if (deleteGroup) {
                        shard.removeDead(group);
                        log.info("removed empty group '{}' with no offsets left", group.groupId());
                    }
                }
            }
        }
        return removed;
    }

    private static Predicate<Map.Entry<TopicPartition, CommittedOffset>> expiryCondition(ClassicGroup group, long now,
                                                                                       long retention) {
        if (group.protocolType() == null || group.protocolType().isEmpty()) {
            return e -> now - e.getValue().commitTimestampMs() >= retention;
        }
        if (group.is(GroupState.EMPTY)) {
            return e -> now - group.stateTimestampMs() >= retention;
        }
        if (group.is(GroupState.STABLE)) {
            Optional<Set<String>> subscribed = group.subscribedTopics();
            if (subscribed.isPresent()) {
                Set<String> topics = subscribed.get();
                return e -> !topics.contains(e.getKey().topic()) && now - e.getValue().commitTimestampMs() >= retention;
            }
        }
        return e -> false;
    }

    /** Writes tombstones for {@code partitions} (and the group when asked) and forgets them. Caller holds the monitor. */
    private ErrorCode removeOffsets(ClassicGroup group, List<TopicPartition> partitions, boolean andGroup) {
        if (partitions.isEmpty() && !andGroup) {
            return ErrorCode.NONE;
        }
        List<KeyValueBatches.Entry> tombstones = new ArrayList<>();
        partitions.forEach(tp -> tombstones.add(new KeyValueBatches.Entry(GroupRecords.offsetKey(group.groupId(), tp),
                null)));
        if (andGroup) {
            tombstones.add(new KeyValueBatches.Entry(GroupRecords.groupKey(group.groupId()), null));
        }
        try {
            shard.log().append(tombstones, shard.now());
        } catch (RuntimeException e) {
            log.warn("removing offsets of group '{}' failed", group.groupId(), e);
            return CoordinatorErrors.ofWrite(e, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.REQUEST_TIMED_OUT);
        }
        partitions.forEach(group.offsets()::remove);
        return ErrorCode.NONE;
    }

    private static Map<TopicPartition, ErrorCode> all(List<PartitionCommit> partitions, ErrorCode error) {
        Map<TopicPartition, ErrorCode> out = new HashMap<>();
        partitions.forEach(c -> out.put(c.partition(), error));
        return out;
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
