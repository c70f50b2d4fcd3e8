package dev.weir.log.group;

import dev.weir.log.coordinator.CoordinatorErrors;
import dev.weir.log.group.GroupOperations.JoinParams;
import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.JoinedMember;
import dev.weir.log.group.GroupOperations.LeaveResult;
import dev.weir.log.group.GroupOperations.LeavingMember;
import dev.weir.log.group.GroupOperations.LeftMember;
import dev.weir.log.group.GroupOperations.Protocol;
import dev.weir.log.group.GroupOperations.SyncParams;
import dev.weir.log.group.GroupOperations.SyncResult;
import dev.weir.log.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic rebalance protocol for the groups of one shard: JoinGroup, SyncGroup, Heartbeat and
 * LeaveGroup, and the timers that drive the {@link GroupState} machine without a request (end of a
 * join phase, the initial rebalance delay, members that stop heartbeating or never sync, member ids
 * handed out but never used).
 *
 * <p>A JoinGroup or SyncGroup that has to wait for other members gets a future that a later request
 * or timer completes; no thread ever blocks waiting. Timers run on the broker's scheduler and check,
 * under the group's monitor, that the phase they were set for is still current.
 *
 * <p>Thread-safety: every operation holds the monitor of the group it touches; the class has no
 * other state.
 */
final class GroupMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);
    /** Bytes a member's entry in the group record takes besides its metadata (ids, timeouts, lengths). */
    private static final int MEMBER_RECORD_OVERHEAD = 1024;

    private final GroupShard shard;
    private final GroupConfig config;

    GroupMembership(GroupShard shard, GroupConfig config) {
        this.shard = shard;
        this.config = config;
    }

    // --- JoinGroup ---

    CompletableFuture<JoinResult> join(JoinParams p) {
        String memberId = p.memberId() == null ? "" : p.memberId();
        if (p.groupId() == null || p.groupId().isEmpty()) {
            return done(JoinResult.error(ErrorCode.INVALID_GROUP_ID, memberId));
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return done(JoinResult.error(availability, memberId));
        }
        if (p.sessionTimeoutMs() < config.minSessionTimeoutMs() || p.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return done(JoinResult.error(ErrorCode.INVALID_SESSION_TIMEOUT, memberId));
        }
        long metadataBytes = p.protocols().stream().mapToLong(pr -> pr.metadata().length + pr.name().length()).sum();
        if (metadataBytes + MEMBER_RECORD_OVERHEAD > shard.log().maxBatchBytes()) {
            // The group record holds every member's metadata: one that alone cannot be stored is refused.
            log.warn("refusing member of group '{}' from client '{}': {} bytes of protocol metadata do not fit in a "
                    + "record of __consumer_offsets (max.message.bytes={})", p.groupId(), p.clientId(), metadataBytes,
                    shard.log().maxBatchBytes());
            return done(JoinResult.error(ErrorCode.MESSAGE_TOO_LARGE, memberId));
        }
        boolean newMember = memberId.isEmpty();
        ClassicGroup group = newMember ? shard.getOrCreateGroup(p.groupId()) : shard.group(p.groupId());
        if (group == null) {
            return done(JoinResult.error(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
        }
        CompletableFuture<JoinResult> response = new CompletableFuture<>();
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                // Deleted or unloaded meanwhile: the client looks up the coordinator again.
                response.complete(JoinResult.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId));
            } else if (!group.supportsProtocols(p.protocolType(), p.protocols())) {
                response.complete(JoinResult.error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));
            } else if (newMember) {
                joinNewMember(group, p, response);
            } else {
                joinKnownMember(group, p, memberId, response);
            }
            shard.removeIfUnused(group);
        }
        return response;
    }

    private void joinNewMember(ClassicGroup group, JoinParams p, CompletableFuture<JoinResult> response) {
        String existingStatic = group.staticMemberId(p.groupInstanceId());
        if (existingStatic != null) {
            rejoinStaticMember(group, group.member(existingStatic), p, response);
            return;
        }
        if (group.size() + group.pendingMembers().size() >= config.maxSize()) {
            response.complete(JoinResult.error(ErrorCode.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        String memberId = newMemberId(p.clientId());
        if (p.requireKnownMemberId() && p.groupInstanceId() == null) {
            // KIP-394: a new dynamic member learns its id first and joins again with it, so a client that
            // retries a timed-out JoinGroup does not leave a ghost member behind.
            ScheduledFuture<?> expiry = shard.schedule(() -> expirePendingMember(group, memberId), p.sessionTimeoutMs());
            group.pendingMembers().put(memberId, expiry);
            response.complete(JoinResult.error(ErrorCode.MEMBER_ID_REQUIRED, memberId));
            return;
        }
        addMemberAndRebalance(group, memberId, p, response);
    }

    private void joinKnownMember(ClassicGroup group, JoinParams p, String memberId, CompletableFuture<JoinResult> response) {
        if (group.pendingMembers().containsKey(memberId)) {
            cancel(group.pendingMembers().remove(memberId));
            addMemberAndRebalance(group, memberId, p, response);
            return;
        }
        if (group.isStaticMemberFenced(memberId, p.groupInstanceId())) {
            response.complete(JoinResult.error(ErrorCode.FENCED_INSTANCE_ID, memberId));
            return;
        }
        GroupMember member = group.member(memberId);
        if (member == null || !Objects.equals(member.groupInstanceId(), p.groupInstanceId())) {
            response.complete(JoinResult.error(member == null ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.FENCED_INSTANCE_ID,
                    memberId));
            return;
        }
        switch (group.state()) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, p, response, "member rejoined");
            case COMPLETING_REBALANCE -> {
                if (member.sameProtocols(p.protocols())) {
                    // It missed the JoinGroup response of this generation: send it again.
                    member.lastSeenMs = shard.now();
                    response.complete(currentJoinResult(group, member, false));
                } else {
                    updateMemberAndRebalance(group, member, p, response, "member " + memberId + " changed its metadata");
                }
            }
            case STABLE -> {
                if (group.isLeader(memberId) || !member.sameProtocols(p.protocols())) {
                    updateMemberAndRebalance(group, member, p, response, group.isLeader(memberId)
                            ? "leader " + memberId + " rejoined" : "member " + memberId + " changed its metadata");
                } else {
                    // A follower rejoining unchanged gets the current generation; nobody else is disturbed.
                    member.lastSeenMs = shard.now();
                    response.complete(currentJoinResult(group, member, false));
                }
            }
            case EMPTY, DEAD -> response.complete(JoinResult.error(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    /** A static member restarted: it takes over its entry under a new member id; the old incarnation is fenced. */
    private void rejoinStaticMember(ClassicGroup group, GroupMember member, JoinParams p,
                                    CompletableFuture<JoinResult> response) {
        String oldMemberId = member.memberId();
        String newMemberId = newMemberId(p.clientId());
        boolean protocolsChanged = !member.sameProtocols(p.protocols());
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(JoinResult.error(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(SyncResult.error(ErrorCode.FENCED_INSTANCE_ID));
            member.awaitingSync = null;
        }
        // Snapshot of what to restore if persisting the new member id fails.
        String oldClientId = member.clientId();
        String oldClientHost = member.clientHost();
        int oldSession = member.sessionTimeoutMs();
        int oldRebalance = member.rebalanceTimeoutMs();
        List<Protocol> oldProtocols = member.protocols();
        group.replaceStaticMember(member, newMemberId);
        member.update(p.clientId(), p.clientHost(), p.sessionTimeoutMs(), p.rebalanceTimeoutMs(), p.protocols());
        member.lastSeenMs = shard.now();
        log.info("static member '{}' of group '{}' rejoined as {} (was {})", member.groupInstanceId(), group.groupId(),
                newMemberId, oldMemberId);
        if (group.is(GroupState.STABLE) && !protocolsChanged) {
            // Restarted within its session timeout with the same subscription: no rebalance; it keeps its
            // assignment. The new member id is persisted so that a coordinator restart keeps fencing the old one.
            int generation = group.generationId();
            shard.persist(group, shard.snapshot(group, null)).whenComplete((v, error) -> {
                synchronized (group) {
                    if (error == null) {
                        boolean leader = group.isLeader(newMemberId);
                        response.complete(currentJoinResult(group, member, leader));
                        return;
                    }
                    log.warn("persisting the new member id of static member '{}' of group '{}' failed",
                            member.groupInstanceId(), group.groupId(), error);
                    if (group.generationId() == generation && group.member(newMemberId) == member) {
                        group.replaceStaticMember(member, oldMemberId);
                        member.update(oldClientId, oldClientHost, oldSession, oldRebalance, oldProtocols);
                    }
                    response.complete(JoinResult.error(CoordinatorErrors.ofWrite(error, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.REBALANCE_IN_PROGRESS), ""));
                }
            });
            return;
        }
        member.awaitingJoin = response;
        maybePrepareRebalance(group, "static member '" + member.groupInstanceId() + "' rejoined");
        tryCompleteJoin(group);
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, JoinParams p,
                                       CompletableFuture<JoinResult> response) {
        GroupMember member = new GroupMember(memberId, p.groupInstanceId(), p.clientId(), p.clientHost(),
                p.sessionTimeoutMs(), p.rebalanceTimeoutMs(), p.protocols());
        member.awaitingJoin = response;
        member.lastSeenMs = shard.now();
        group.add(member, p.protocolType());
        if (group.is(GroupState.PREPARING_REBALANCE) && group.initialDelayActive) {
            group.newMemberAdded = true;
        }
        startSession(group, member);
        maybePrepareRebalance(group, "new member " + memberId + " joined");
        tryCompleteJoin(group);
    }

    private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinParams p,
                                          CompletableFuture<JoinResult> response, String reason) {
        if (member.awaitingJoin != null && member.awaitingJoin != response) {
            // The client gave up on its earlier JoinGroup (it timed out and reconnected).
            member.awaitingJoin.complete(JoinResult.error(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId()));
        }
        member.update(p.clientId(), p.clientHost(), p.sessionTimeoutMs(), p.rebalanceTimeoutMs(), p.protocols());
        member.awaitingJoin = response;
        member.lastSeenMs = shard.now();
        maybePrepareRebalance(group, reason);
        tryCompleteJoin(group);
    }

    private JoinResult currentJoinResult(ClassicGroup group, GroupMember member, boolean skipAssignment) {
        boolean leader = group.isLeader(member.memberId());
        return new JoinResult(ErrorCode.NONE, group.generationId(), group.protocolType(), group.protocolName(),
                group.leaderId(), member.memberId(), skipAssignment, leader ? joinedMembers(group) : List.of());
    }

    private static List<JoinedMember> joinedMembers(ClassicGroup group) {
        List<JoinedMember> out = new ArrayList<>();
        for (GroupMember m : group.members()) {
            out.add(new JoinedMember(m.memberId(), m.groupInstanceId(), m.metadata(group.protocolName())));
        }
        return out;
    }

    private void expirePendingMember(ClassicGroup group, String memberId) {
        synchronized (group) {
            if (group.pendingMembers().remove(memberId) != null || group.pendingMembers().containsKey(memberId)) {
                log.debug("member id {} of group '{}' was never used; forgetting it", memberId, group.groupId());
                tryCompleteJoin(group);
                shard.removeIfUnused(group);
            }
        }
    }

    // --- the join phase ---

    private void maybePrepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.EMPTY)) {
            prepareRebalance(group, reason);
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
        }
        cancel(group.syncTimer);
        cancel(group.joinTimer);
        boolean initial = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, shard.now());
        int id = ++group.rebalanceId;
        int rebalanceTimeout = group.rebalanceTimeoutMs();
        if (initial) {
            // Wait a little for more members, so that a group starting up does not rebalance once per member.
            int delay = Math.min(config.initialRebalanceDelayMs(), rebalanceTimeout);
            int remaining = Math.max(rebalanceTimeout - config.initialRebalanceDelayMs(), 0);
            group.initialDelayActive = true;
            group.newMemberAdded = false;
            group.joinTimer = shard.schedule(() -> onInitialDelayEnd(group, id, remaining), delay);
        } else {
            group.initialDelayActive = false;
            group.joinTimer = shard.schedule(() -> onJoinTimeout(group, id), rebalanceTimeout);
        }
        log.info("preparing to rebalance group '{}' (generation {}, {} member(s)): {}", group.groupId(),
                group.generationId(), group.size(), reason);
        // Everyone may be in already (or nobody is left): then the join phase ends right away.
        tryCompleteJoin(group);
    }

    private void onInitialDelayEnd(ClassicGroup group, int id, int remaining) {
        synchronized (group) {
            if (group.rebalanceId != id || !group.is(GroupState.PREPARING_REBALANCE)) {
                return;
            }
            if (group.newMemberAdded && remaining > 0) {
                group.newMemberAdded = false;
                int delay = Math.min(config.initialRebalanceDelayMs(), remaining);
                int left = Math.max(remaining - config.initialRebalanceDelayMs(), 0);
                group.joinTimer = shard.schedule(() -> onInitialDelayEnd(group, id, left), delay);
                return;
            }
            group.initialDelayActive = false;
            completeJoin(group);
        }
    }

    private void onJoinTimeout(ClassicGroup group, int id) {
        synchronized (group) {
            if (group.rebalanceId == id && group.is(GroupState.PREPARING_REBALANCE)) {
                completeJoin(group);
            }
        }
    }

    private void tryCompleteJoin(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialDelayActive && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: members that did not rejoin are removed and the next generation starts. */
    private void completeJoin(ClassicGroup group) {
        cancel(group.joinTimer);
        group.joinTimer = null;
        group.initialDelayActive = false;
        group.rebalanceId++;
        for (GroupMember m : new ArrayList<>(group.members())) {
            if (!m.isAwaitingJoin()) {
                log.info("removing {} from group '{}': it did not rejoin within the rebalance timeout", m,
                        group.groupId());
                group.remove(m.memberId());
            }
        }
        long now = shard.now();
        group.initNextGeneration(now);
        if (group.is(GroupState.EMPTY)) {
            log.info("group '{}' is empty at generation {}", group.groupId(), group.generationId());
            shard.persist(group, shard.snapshot(group, null)).whenComplete((v, error) -> {
                if (error != null) {
                    log.warn("persisting empty group '{}' failed", group.groupId(), error);
                }
            });
            return;
        }
        log.info("group '{}' starts generation {} with {} member(s), protocol '{}', leader {}", group.groupId(),
                group.generationId(), group.size(), group.protocolName(), group.leaderId());
        for (GroupMember m : group.members()) {
            CompletableFuture<JoinResult> waiting = m.awaitingJoin;
            m.awaitingJoin = null;
            m.lastSeenMs = now;
            waiting.complete(currentJoinResult(group, m, false));
        }
        int generation = group.generationId();
        group.syncTimer = shard.schedule(() -> onSyncTimeout(group, generation), group.rebalanceTimeoutMs());
    }

    /** Members that never sent SyncGroup for this generation are removed, and the group rebalances. */
    private void onSyncTimeout(ClassicGroup group, int generation) {
        synchronized (group) {
            if (group.generationId() != generation || !group.is(GroupState.COMPLETING_REBALANCE)) {
                return;
            }
            List<GroupMember> missing = group.members().stream().filter(m -> !m.isAwaitingSync()).toList();
            for (GroupMember m : missing) {
                log.info("removing {} from group '{}': no SyncGroup within the rebalance timeout", m, group.groupId());
                group.remove(m.memberId());
            }
            prepareRebalance(group, missing.size() + " member(s) did not sync");
            tryCompleteJoin(group);
        }
    }

    // --- SyncGroup ---

    CompletableFuture<SyncResult> sync(SyncParams p) {
        if (p.groupId() == null || p.groupId().isEmpty()) {
            return done(SyncResult.error(ErrorCode.INVALID_GROUP_ID));
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return done(SyncResult.error(availability));
        }
        ClassicGroup group = shard.group(p.groupId());
        if (group == null) {
            return done(SyncResult.error(ErrorCode.UNKNOWN_MEMBER_ID));
        }
        CompletableFuture<SyncResult> response = new CompletableFuture<>();
        synchronized (group) {
            ErrorCode error = validateMember(group, p.memberId(), p.groupInstanceId(), p.generationId());
            if (error == ErrorCode.NONE && ((p.protocolType() != null && !p.protocolType().equals(group.protocolType()))
                    || (p.protocolName() != null && !p.protocolName().equals(group.protocolName())))) {
                error = ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
            }
            if (error != ErrorCode.NONE) {
                response.complete(SyncResult.error(error));
                return response;
            }
            GroupMember member = group.member(p.memberId());
            member.lastSeenMs = shard.now();
            switch (group.state()) {
                case EMPTY, DEAD -> response.complete(SyncResult.error(ErrorCode.UNKNOWN_MEMBER_ID));
                case PREPARING_REBALANCE -> response.complete(SyncResult.error(ErrorCode.REBALANCE_IN_PROGRESS));
                case STABLE -> response.complete(new SyncResult(ErrorCode.NONE, group.protocolType(), group.protocolName(),
                        member.assignment()));
                case COMPLETING_REBALANCE -> {
                    member.awaitingSync = response;
                    if (group.isLeader(p.memberId())) {
                        applyLeaderAssignment(group, p.assignments());
                    }
                }
            }
        }
        return response;
    }

    private void applyLeaderAssignment(ClassicGroup group, Map<String, byte[]> proposed) {
        Map<String, byte[]> assignments = new HashMap<>();
        for (GroupMember m : group.members()) {
            byte[] a = proposed.get(m.memberId());
            assignments.put(m.memberId(), a == null ? new byte[0] : a);
        }
        int generation = group.generationId();
        shard.persist(group, shard.snapshot(group, assignments)).whenComplete((v, error) -> {
            synchronized (group) {
                if (group.generationId() != generation || !group.is(GroupState.COMPLETING_REBALANCE)) {
                    return; // a rebalance started meanwhile and answered the waiting members itself
                }
                if (error != null) {
                    log.warn("persisting the assignment of group '{}' generation {} failed", group.groupId(), generation,
                            error);
                    resetAndPropagateAssignmentError(group, CoordinatorErrors.ofWrite(error, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.REBALANCE_IN_PROGRESS));
                    prepareRebalance(group, "its assignment could not be stored");
                    return;
                }
                for (GroupMember m : group.members()) {
                    m.setAssignment(assignments.get(m.memberId()));
                }
                cancel(group.syncTimer);
                group.transitionTo(GroupState.STABLE, shard.now());
                log.info("group '{}' is stable at generation {}", group.groupId(), generation);
                for (GroupMember m : group.members()) {
                    if (m.awaitingSync != null) {
                        m.awaitingSync.complete(new SyncResult(ErrorCode.NONE, group.protocolType(), group.protocolName(),
                                m.assignment()));
                        m.awaitingSync = null;
                    }
                }
            }
        });
    }

    private static void resetAndPropagateAssignmentError(ClassicGroup group, ErrorCode error) {
        for (GroupMember m : group.members()) {
            m.setAssignment(new byte[0]);
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(SyncResult.error(error));
                m.awaitingSync = null;
            }
        }
    }

    // --- Heartbeat ---

    ErrorCode heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
        if (groupId == null || groupId.isEmpty()) {
            return ErrorCode.INVALID_GROUP_ID;
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return availability;
        }
        ClassicGroup group = shard.group(groupId);
        if (group == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            ErrorCode error = validateMember(group, memberId, groupInstanceId, generationId);
            if (error != ErrorCode.NONE) {
                return error;
            }
            group.member(memberId).lastSeenMs = shard.now();
            return switch (group.state()) {
                case EMPTY, DEAD -> ErrorCode.UNKNOWN_MEMBER_ID;
                case PREPARING_REBALANCE -> ErrorCode.REBALANCE_IN_PROGRESS;
                case COMPLETING_REBALANCE, STABLE -> ErrorCode.NONE;
            };
        }
    }

    /** Checks shared by SyncGroup and Heartbeat: the group is alive, the member known and of this generation. */
    private static ErrorCode validateMember(ClassicGroup group, String memberId, String groupInstanceId, int generationId) {
        if (group.is(GroupState.DEAD)) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        if (group.isStaticMemberFenced(memberId, groupInstanceId)) {
            return ErrorCode.FENCED_INSTANCE_ID;
        }
        if (!group.has(memberId)) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (generationId != group.generationId()) {
            return ErrorCode.ILLEGAL_GENERATION;
        }
        return ErrorCode.NONE;
    }

    // --- LeaveGroup ---

    LeaveResult leave(String groupId, List<LeavingMember> leaving) {
        if (groupId == null || groupId.isEmpty()) {
            return new LeaveResult(ErrorCode.INVALID_GROUP_ID, List.of());
        }
        ErrorCode availability = shard.availability();
        if (availability != ErrorCode.NONE) {
            return new LeaveResult(availability, List.of());
        }
        ClassicGroup group = shard.group(groupId);
        if (group == null) {
            return new LeaveResult(ErrorCode.UNKNOWN_MEMBER_ID, List.of());
        }
        List<LeftMember> results = new ArrayList<>();
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return new LeaveResult(ErrorCode.COORDINATOR_NOT_AVAILABLE, List.of());
            }
            for (LeavingMember l : leaving) {
                results.add(new LeftMember(l.memberId(), l.groupInstanceId(), leaveOne(group, l)));
            }
            shard.removeIfUnused(group);
        }
        return new LeaveResult(ErrorCode.NONE, results);
    }

    private ErrorCode leaveOne(ClassicGroup group, LeavingMember l) {
        String memberId = l.memberId() == null ? "" : l.memberId();
        if (l.groupInstanceId() != null) {
            String current = group.staticMemberId(l.groupInstanceId());
            if (current == null) {
                return ErrorCode.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(current)) {
                return ErrorCode.FENCED_INSTANCE_ID;
            }
            removeMemberAndUpdateGroup(group, group.member(current),
                    "static member '" + l.groupInstanceId() + "' left");
            return ErrorCode.NONE;
        }
        if (group.pendingMembers().containsKey(memberId)) {
            cancel(group.pendingMembers().remove(memberId));
            tryCompleteJoin(group);
            return ErrorCode.NONE;
        }
        GroupMember member = group.member(memberId);
        if (member == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        removeMemberAndUpdateGroup(group, member, "member " + memberId + " left");
        return ErrorCode.NONE;
    }

    private void removeMemberAndUpdateGroup(ClassicGroup group, GroupMember member, String reason) {
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(JoinResult.error(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId()));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(SyncResult.error(ErrorCode.UNKNOWN_MEMBER_ID));
            member.awaitingSync = null;
        }
        group.remove(member.memberId());
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(group);
            case EMPTY, DEAD -> { }
        }
    }

    // --- sessions ---

    /** Starts watching a member's session: without a request within its session timeout, it is removed. */
    void startSession(ClassicGroup group, GroupMember member) {
        cancel(member.sessionCheck);
        member.sessionCheck = shard.schedule(() -> checkSession(group, member), member.sessionTimeoutMs());
    }

    private void checkSession(ClassicGroup group, GroupMember member) {
        synchronized (group) {
            if (group.is(GroupState.DEAD) || group.member(member.memberId()) != member) {
                return;
            }
            long idle = shard.now() - member.lastSeenMs;
            if (member.isAwaitingJoin() || member.isAwaitingSync() || idle < member.sessionTimeoutMs()) {
                long next = member.isAwaitingJoin() || member.isAwaitingSync()
                        ? member.sessionTimeoutMs() : member.sessionTimeoutMs() - idle;
                member.sessionCheck = shard.schedule(() -> checkSession(group, member), next);
                return;
            }
            log.info("{} of group '{}' expired: no heartbeat for {} ms (session.timeout.ms={})", member,
                    group.groupId(), idle, member.sessionTimeoutMs());
            removeMemberAndUpdateGroup(group, member, member.memberId() + " expired");
        }
    }

    // --- helpers ---

    private static String newMemberId(String clientId) {
        return (clientId == null ? "" : clientId) + "-" + UUID.randomUUID();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
