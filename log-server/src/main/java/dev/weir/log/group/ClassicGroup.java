package dev.weir.log.group;

import dev.weir.log.group.GroupOperations.CommittedOffset;
import dev.weir.log.group.GroupOperations.Protocol;
import dev.weir.log.protocol.ConsumerSubscriptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A classic group: its {@link GroupState}, generation, protocol type and selected protocol, leader,
 * members (in join order), members that were given an id but have not joined with it yet, static
 * members by instance id, its committed offsets, and offsets committed inside transactions that have
 * not ended yet (per producer id; they become committed offsets when the COMMIT marker reaches the
 * offsets partition, and are dropped on ABORT).
 *
 * <p>Not thread-safe: every access holds this object's monitor ({@code synchronized (group)}).
 * Futures completed while holding it only encode a response and hand it to a network thread.
 */
final class ClassicGroup {
    private final String groupId;
    private GroupState state = GroupState.EMPTY;
    /** Wall-clock millis when the group entered its current state (offset retention counts from Empty). */
    private long stateTimestampMs;
    private int generationId;
    /** Null until a first member joins (a group that only stores offsets has none). */
    private String protocolType;
    private String protocolName;
    private String leaderId;
    private final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED, with the task that forgets them after the session timeout. */
    private final Map<String, ScheduledFuture<?>> pendingMembers = new HashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    private final Map<Long, Map<TopicPartition, CommittedOffset>> pendingTxnOffsets = new HashMap<>();

    /** Bumped whenever a join phase starts or ends, so that a stale join or sync timer does nothing. */
    int rebalanceId;
    /** The pending end of the join phase (rebalance timeout or initial delay). */
    ScheduledFuture<?> joinTimer;
    /** Initial delay still running: the join phase does not end early when everyone has joined. */
    boolean initialDelayActive;
    /** A new member joined during the initial delay, which therefore extends. */
    boolean newMemberAdded;
    ScheduledFuture<?> syncTimer;

    ClassicGroup(String groupId, long nowMs) {
        this.groupId = groupId;
        this.stateTimestampMs = nowMs;
    }

    String groupId() {
        return groupId;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    long stateTimestampMs() {
        return stateTimestampMs;
    }

    void transitionTo(GroupState next, long nowMs) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("group " + groupId + " cannot go from " + state + " to " + next);
        }
        state = next;
        stateTimestampMs = nowMs;
    }

    int generationId() {
        return generationId;
    }

    String protocolType() {
        return protocolType;
    }

    String protocolName() {
        return protocolName;
    }

    String leaderId() {
        return leaderId;
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    /** Restores the persisted part of the group (used when loading a shard). */
    void restore(GroupState state, long stateTimestampMs, int generationId, String protocolType, String protocolName,
                 String leaderId, List<GroupMember> loaded) {
        this.state = state;
        this.stateTimestampMs = stateTimestampMs;
        this.generationId = generationId;
        this.protocolType = protocolType;
        this.protocolName = protocolName;
        this.leaderId = leaderId;
        members.clear();
        staticMembers.clear();
        for (GroupMember m : loaded) {
            members.put(m.memberId(), m);
            if (m.isStatic()) {
                staticMembers.put(m.groupInstanceId(), m.memberId());
            }
        }
    }

    // --- members ---

    Collection<GroupMember> members() {
        return members.values();
    }

    int size() {
        return members.size();
    }

    boolean hasNoMembers() {
        return members.isEmpty();
    }

    GroupMember member(String memberId) {
        return members.get(memberId);
    }

    boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    /** Adds a member; the first member of an empty group sets the group's protocol type. */
    void add(GroupMember member, String memberProtocolType) {
        if (members.isEmpty()) {
            protocolType = memberProtocolType;
        }
        members.put(member.memberId(), member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId(), member.memberId());
        }
        if (leaderId == null) {
            leaderId = member.memberId();
        }
    }

    void remove(String memberId) {
        GroupMember m = members.remove(memberId);
        if (m == null) {
            return;
        }
        if (m.isStatic()) {
            staticMembers.remove(m.groupInstanceId());
        }
        if (m.sessionCheck != null) {
            m.sessionCheck.cancel(false);
        }
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** The member id a static instance currently has, or null. */
    String staticMemberId(String groupInstanceId) {
        return groupInstanceId == null ? null : staticMembers.get(groupInstanceId);
    }

    /** True when {@code groupInstanceId} belongs to a member other than {@code memberId}. */
    boolean isStaticMemberFenced(String memberId, String groupInstanceId) {
        if (groupInstanceId == null) {
            return false;
        }
        String current = staticMembers.get(groupInstanceId);
        return current != null && !current.equals(memberId);
    }

    /** Re-keys a static member under its restarted client's new member id. */
    void replaceStaticMember(GroupMember member, String newMemberId) {
        String old = member.memberId();
        members.remove(old);
        member.setMemberId(newMemberId);
        members.put(newMemberId, member);
        staticMembers.put(member.groupInstanceId(), newMemberId);
        if (old.equals(leaderId)) {
            leaderId = newMemberId;
        }
    }

    Map<String, ScheduledFuture<?>> pendingMembers() {
        return pendingMembers;
    }

    boolean allMembersJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(GroupMember::isAwaitingJoin);
    }

    /** The largest rebalance timeout of the members: how long a join phase waits for them. */
    int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(GroupMember::rebalanceTimeoutMs).max().orElse(0);
    }

    // --- protocols ---

    /** Whether a member with these protocols may join: same type, and a protocol every member supports. */
    boolean supportsProtocols(String memberProtocolType, List<Protocol> memberProtocols) {
        if (memberProtocolType == null || memberProtocolType.isEmpty() || memberProtocols.isEmpty()) {
            return false;
        }
        if (members.isEmpty()) {
            return true;
        }
        if (!memberProtocolType.equals(protocolType)) {
            return false;
        }
        Set<String> common = candidateProtocols();
        return memberProtocols.stream().anyMatch(p -> common.contains(p.name()));
    }

    /** Protocols supported by every member. */
    Set<String> candidateProtocols() {
        Set<String> common = null;
        for (GroupMember m : members.values()) {
            Set<String> names = new HashSet<>();
            m.protocols().forEach(p -> names.add(p.name()));
            if (common == null) {
                common = names;
            } else {
                common.retainAll(names);
            }
        }
        return common == null ? Set.of() : common;
    }

    /**
     * Picks the protocol for the next generation: among those every member supports, the one most
     * members prefer; ties go to the protocol the leader prefers.
     */
    void selectProtocol() {
        Set<String> candidates = candidateProtocols();
        if (candidates.isEmpty()) {
            throw new IllegalStateException("group " + groupId + " has no protocol every member supports");
        }
        Map<String, Integer> votes = new HashMap<>();
        members.values().forEach(m -> votes.merge(m.vote(candidates), 1, Integer::sum));
        int best = votes.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        GroupMember leader = members.get(leaderId);
        List<Protocol> order = leader != null ? leader.protocols() : members.values().iterator().next().protocols();
        for (Protocol p : order) {
            if (votes.getOrDefault(p.name(), 0) == best) {
                protocolName = p.name();
                return;
            }
        }
        protocolName = votes.entrySet().stream().filter(e -> e.getValue() == best).findFirst().orElseThrow().getKey();
    }

    /** Starts the next generation: members that did not rejoin are gone, so it is Empty or CompletingRebalance. */
    void initNextGeneration(long nowMs) {
        generationId++;
        if (members.isEmpty()) {
            protocolName = null;
            leaderId = null;
            transitionTo(GroupState.EMPTY, nowMs);
        } else {
            selectProtocol();
            transitionTo(GroupState.COMPLETING_REBALANCE, nowMs);
        }
    }

    /** Topics the members subscribe to, if the group uses the consumer protocol and every subscription is readable. */
    Optional<Set<String>> subscribedTopics() {
        if (!ConsumerSubscriptions.PROTOCOL_TYPE.equals(protocolType) || members.isEmpty()) {
            return Optional.empty();
        }
        Set<String> topics = new HashSet<>();
        for (GroupMember m : members.values()) {
            byte[] metadata = protocolName != null ? m.metadata(protocolName) : m.protocols().get(0).metadata();
            Optional<Set<String>> t = metadata == null ? Optional.empty() : ConsumerSubscriptions.topics(metadata);
            if (t.isEmpty()) {
                return Optional.empty();
            }
            topics.addAll(t.get());
        }
        return Optional.of(topics);
    }

    // --- offsets ---

    Map<TopicPartition, CommittedOffset> offsets() {
        return offsets;
    }

    /** Offsets of open transactions by producer id, not yet visible to OffsetFetch. */
    Map<Long, Map<TopicPartition, CommittedOffset>> pendingTxnOffsets() {
        return pendingTxnOffsets;
    }

    /** True while some open transaction holds an offset for {@code tp} (OffsetFetch require_stable waits). */
    boolean hasPendingTxnOffset(TopicPartition tp) {
        for (Map<TopicPartition, CommittedOffset> pending : pendingTxnOffsets.values()) {
            if (pending.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Members' ids in join order (for logs and tests). */
    List<String> memberIds() {
        return new ArrayList<>(members.keySet());
    }

    @Override
    public String toString() {
        return "group '" + groupId + "' (" + state.kafkaName() + ", generation " + generationId + ")";
    }
}
