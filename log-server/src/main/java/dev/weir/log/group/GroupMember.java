package dev.weir.log.group;

import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.Protocol;
import dev.weir.log.group.GroupOperations.SyncResult;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One member of a classic group: its identity, timeouts, the protocols it supports (metadata is
 * opaque), its current assignment, the JoinGroup or SyncGroup it is waiting on, and when the
 * coordinator last heard from it.
 *
 * <p>Not thread-safe: guarded by the monitor of the {@link ClassicGroup} that holds it.
 */
final class GroupMember {
    private String memberId;
    private final String groupInstanceId;
    private String clientId;
    private String clientHost;
    private int sessionTimeoutMs;
    private int rebalanceTimeoutMs;
    private List<Protocol> protocols;
    private byte[] assignment = new byte[0];
    CompletableFuture<JoinResult> awaitingJoin;
    CompletableFuture<SyncResult> awaitingSync;
    /** Wall-clock millis of the last request from this member. */
    long lastSeenMs;
    /** The pending session check, cancelled when the member leaves. */
    ScheduledFuture<?> sessionCheck;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost, int sessionTimeoutMs,
                int rebalanceTimeoutMs, List<Protocol> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    String memberId() {
        return memberId;
    }

    /** A restarted static member takes over the entry under a new member id. */
    void setMemberId(String memberId) {
        this.memberId = memberId;
    }

    String groupInstanceId() {
        return groupInstanceId;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    String clientId() {
        return clientId;
    }

    String clientHost() {
        return clientHost;
    }

    int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    List<Protocol> protocols() {
        return protocols;
    }

    byte[] assignment() {
        return assignment;
    }

    void setAssignment(byte[] assignment) {
        this.assignment = assignment == null ? new byte[0] : assignment;
    }

    /** Takes the settings of a new JoinGroup from this member. */
    void update(String clientId, String clientHost, int sessionTimeoutMs, int rebalanceTimeoutMs, List<Protocol> protocols) {
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    /** The metadata for {@code protocol}, or null if the member does not support it. */
    byte[] metadata(String protocol) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocol)) {
                return p.metadata();
            }
        }
        return null;
    }

    boolean supports(String protocol) {
        return metadata(protocol) != null;
    }

    /** Same protocol names, order and metadata bytes. */
    boolean sameProtocols(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            Protocol a = protocols.get(i);
            Protocol b = other.get(i);
            if (!a.name().equals(b.name()) || !java.util.Arrays.equals(a.metadata(), b.metadata())) {
                return false;
            }
        }
        return true;
    }

    /** The first of {@code candidates} in this member's order of preference. */
    String vote(java.util.Set<String> candidates) {
        for (Protocol p : protocols) {
            if (candidates.contains(p.name())) {
                return p.name();
            }
        }
        throw new IllegalStateException("member " + memberId + " supports none of " + candidates);
    }

    boolean isAwaitingJoin() {
        return awaitingJoin != null;
    }

    boolean isAwaitingSync() {
        return awaitingSync != null;
    }

    @Override
    public String toString() {
        return "member " + memberId + (groupInstanceId == null ? "" : " (instance " + groupInstanceId + ")")
                + " of client " + Objects.toString(clientId);
    }
}
