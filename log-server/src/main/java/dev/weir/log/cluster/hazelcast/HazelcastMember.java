package dev.weir.log.cluster.hazelcast;

import dev.weir.common.concurrent.BoundedWait;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.cp.CPSubsystemConfig;
import com.hazelcast.config.cp.RaftAlgorithmConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystemManagementService;
import dev.weir.log.config.BrokerConfig;
import dev.weir.common.config.ConfigException;
import dev.weir.common.launcher.JvmOptions;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's embedded Hazelcast member: TCP/IP join over the {@code cluster.members} seed list
 * (never multicast), the broker's node id as a member attribute, heartbeats and failure detection
 * from {@code broker.heartbeat.interval.ms} / {@code broker.session.timeout.ms}. With three or more
 * seeds the CP subsystem (Raft) is on with {@code cluster.cp.members} members; with fewer, CP data
 * structures run in Hazelcast's unsafe (non-Raft) mode and the log says metadata is not
 * quorum-protected.
 *
 * <p>CP membership is not dynamic in Hazelcast: a broker that restarts comes back as a new member.
 * The controller removes CP members whose Hazelcast member is gone ({@link #removeDepartedCpMembers})
 * and a broker that finds the CP subsystem short of members promotes itself ({@link #ensureCpMembership}).
 *
 * <p>Thread-safety: safe for concurrent use (Hazelcast's instance is).
 */
public final class HazelcastMember implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HazelcastMember.class);
    static final String NODE_ID_ATTRIBUTE = "weir.node.id";
    /**
     * What Hazelcast asks of the JVM on Java 9+ (it warns and runs slower without), from the one list in
     * {@code weir-broker.jvm-options} that bin/weir reads too.
     */
    public static final List<String> JVM_OPTIONS = readJvmOptions();
    private static final long GRACEFUL_LEAVE_MS = 5_000;

    private final HazelcastInstance instance;
    private final int nodeId;
    private final int expectedBrokers;
    private final int cpMembers;
    private volatile boolean warnedRemoved;
    private Set<UUID> departedSuspects = Set.of(); // CP members no live member claimed at the last cleanup

    private HazelcastMember(HazelcastInstance instance, int nodeId, int expectedBrokers, int cpMembers) {
        this.instance = instance;
        this.nodeId = nodeId;
        this.expectedBrokers = expectedBrokers;
        this.cpMembers = cpMembers;
    }

    public static HazelcastMember start(BrokerConfig config) {
        int nodeId = config.nodeId();
        String listen = config.getString("cluster.listen");
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw ConfigException.invalid("cluster.listen", listen, "expected host:port, e.g. 127.0.0.1:5701");
        }
        String host = listen.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ConfigException.invalid("cluster.listen", listen, "the port is not a number");
        }
        List<String> seeds = config.getList("cluster.members");
        if (seeds.isEmpty()) {
            seeds = List.of(listen);
        }
        int heartbeatSeconds = (int) Math.max(1, config.getLong("broker.heartbeat.interval.ms") / 1000);
        int sessionSeconds = (int) Math.max(2, config.getLong("broker.session.timeout.ms") / 1000);
        int cpMembers = seeds.size() >= 3 ? Math.max(3, config.getInt("cluster.cp.members")) : 0;
        if (config.getInt("cluster.cp.members") == 0) {
            cpMembers = 0;
        }

        Config hz = new Config();
        hz.setClusterName(config.getString("cluster.name"));
        hz.setInstanceName("weir-" + nodeId + "-" + UUID.randomUUID().toString().substring(0, 8));
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        hz.setProperty("hazelcast.local.localAddress", host);
        hz.setProperty("hazelcast.socket.bind.any", "false");
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        hz.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(heartbeatSeconds));
        hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(sessionSeconds));
        hz.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(sessionSeconds));
        hz.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(sessionSeconds));
        hz.setProperty("hazelcast.operation.call.timeout.millis", String.valueOf(sessionSeconds * 1000L));
        hz.getMemberAttributeConfig().setAttribute(NODE_ID_ATTRIBUTE, String.valueOf(nodeId));
        NetworkConfig network = hz.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(seeds).setConnectionTimeoutSeconds(2);
        if (cpMembers > 0) {
            CPSubsystemConfig cp = hz.getCPSubsystemConfig();
            cp.setCPMemberCount(cpMembers);
            cp.setGroupSize(cpMembers % 2 == 1 ? cpMembers : cpMembers - 1);
            cp.setSessionTimeToLiveSeconds(sessionSeconds);
            cp.setSessionHeartbeatIntervalSeconds(heartbeatSeconds);
            cp.setMissingCPMemberAutoRemovalSeconds(sessionSeconds);
            cp.setRaftAlgorithmConfig(new RaftAlgorithmConfig()
                    .setLeaderHeartbeatPeriodInMillis(500)
                    .setLeaderElectionTimeoutInMillis(1000)
                    // A Raft leader silent for 2 s is replaced: the controller lock and metadata depend on it.
                    .setMaxMissedLeaderHeartbeatCount(4));
        } else {
            log.warn("cluster.members names {} broker(s): the CP subsystem needs 3, so controller election and "
                    + "metadata are NOT quorum-protected (a network split can elect two controllers)", seeds.size());
        }
        log.info("starting Hazelcast member {} for broker {} (cluster '{}', seeds {}, CP members {})", listen, nodeId,
                hz.getClusterName(), seeds, cpMembers);
        HazelcastInstance instance;
        try {
            instance = Hazelcast.newHazelcastInstance(hz);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the cluster member on " + listen + " (" + e.getMessage()
                    + "); check that the port is free and cluster.listen names an address of this machine", e);
        }
        HazelcastMember member = new HazelcastMember(instance, nodeId, seeds.size(), cpMembers);
        member.checkUniqueNodeId();
        return member;
    }

    private void checkUniqueNodeId() {
        for (Member m : instance.getCluster().getMembers()) {
            if (!m.localMember() && String.valueOf(nodeId).equals(m.getAttribute(NODE_ID_ATTRIBUTE))) {
                instance.getLifecycleService().terminate();
                throw new IllegalStateException("another broker with node.id=" + nodeId + " is already in the cluster ("
                        + m.getAddress() + "); give every broker its own node.id");
            }
        }
    }

    public HazelcastInstance instance() {
        return instance;
    }

    public int nodeId() {
        return nodeId;
    }

    public boolean cpEnabled() {
        return cpMembers > 0;
    }

    /** This run's identity: the Hazelcast member id. */
    public String incarnation() {
        return instance.getCluster().getLocalMember().getUuid().toString();
    }

    /** Node ids of the brokers this member currently sees (itself included). */
    public Set<Integer> liveNodeIds() {
        Set<Integer> ids = new HashSet<>();
        for (Member m : instance.getCluster().getMembers()) {
            nodeIdOf(m).ifPresent(ids::add);
        }
        return ids;
    }

    public Optional<Member> member(int node) {
        return instance.getCluster().getMembers().stream()
                .filter(m -> nodeIdOf(m).orElse(-1) == node).findFirst();
    }

    static Optional<Integer> nodeIdOf(Member m) {
        String id = m.getAttribute(NODE_ID_ATTRIBUTE);
        return id == null ? Optional.empty() : Optional.of(Integer.parseInt(id));
    }

    /**
     * True while this member sees no majority of the brokers named in {@code cluster.members}: the
     * others may have elected new leaders, so this broker must not act as one. Only meaningful with the
     * CP subsystem (three or more brokers); a smaller dev cluster is never considered cut off.
     */
    public boolean isolated() {
        return cpEnabled() && instance.getLifecycleService().isRunning()
                && instance.getCluster().getMembers().size() * 2 <= expectedBrokers;
    }

    /** Waits until the CP subsystem has formed (all {@code cluster.cp.members} brokers have met once). */
    public void awaitCpDiscovery() throws InterruptedException {
        if (!cpEnabled()) {
            return;
        }
        CPSubsystemManagementService cp = instance.getCPSubsystem().getCPSubsystemManagementService();
        while (!cp.awaitUntilDiscoveryCompleted(5, TimeUnit.SECONDS)) {
            log.info("waiting for {} brokers to form the CP subsystem (seen {} so far)", cpMembers,
                    instance.getCluster().getMembers().size());
        }
    }

    /** Promotes this member into the CP subsystem if it is not in it and the CP subsystem is short of members. */
    public void ensureCpMembership() {
        if (!cpEnabled()) {
            return;
        }
        CPSubsystemManagementService cp = instance.getCPSubsystem().getCPSubsystemManagementService();
        try {
            Collection<CPMember> members = cp.getCPMembers().toCompletableFuture().get(5, TimeUnit.SECONDS);
            CPMember local = instance.getCPSubsystem().getLocalCPMember();
            if (local != null) {
                if (members.stream().noneMatch(m -> m.getUuid().equals(local.getUuid())) && !warnedRemoved) {
                    warnedRemoved = true;
                    log.warn("broker {} was removed from the CP subsystem while cut off from the cluster; it keeps "
                            + "working, but restart it so the CP subsystem has {} members again", nodeId, cpMembers);
                }
                return;
            }
            if (members.size() < cpMembers) {
                cp.promoteToCPMember().toCompletableFuture().get(10, TimeUnit.SECONDS);
                log.info("broker {} joined the CP subsystem", nodeId);
            }
        } catch (Exception e) {
            log.debug("cannot join the CP subsystem yet: {}", e.toString());
        }
    }

    /**
     * Closes the CP sessions of a member that left the cluster, so locks it held (the controller lock) are
     * released now instead of when its session expires after {@code broker.session.timeout.ms}. Safe even if
     * the member is only cut off: whatever it still believes, its writes carry an older controller epoch.
     */
    public void closeCpSessionsOf(com.hazelcast.cluster.Address address) {
        if (!cpEnabled()) {
            return;
        }
        var sessions = instance.getCPSubsystem().getCPSessionManagementService();
        try {
            for (var session : sessions.getAllSessions(com.hazelcast.cp.CPGroup.DEFAULT_GROUP_NAME)
                    .toCompletableFuture().get(5, TimeUnit.SECONDS)) {
                if (address.equals(session.endpoint())) {
                    sessions.forceCloseSession(com.hazelcast.cp.CPGroup.DEFAULT_GROUP_NAME, session.id())
                            .toCompletableFuture().get(5, TimeUnit.SECONDS);
                    log.info("closed the CP session of departed member {}", address);
                }
            }
        } catch (Exception e) {
            log.debug("cannot close CP sessions of {}: {}", address, e.toString());
        }
    }

    /**
     * Removes CP members whose Hazelcast member has left (crashed or restarted brokers), so a majority
     * remains. A CP member is removed only when two calls in a row (the controller calls every 2 s or so)
     * find no live member that is it: a broker being promoted right now may not know its CP identity yet.
     */
    public synchronized void removeDepartedCpMembers() {
        if (!cpEnabled()) {
            return;
        }
        CPSubsystemManagementService cp = instance.getCPSubsystem().getCPSubsystemManagementService();
        try {
            Collection<CPMember> cpMembersNow = cp.getCPMembers().toCompletableFuture().get(5, TimeUnit.SECONDS);
            // A CP member's UUID is its Hazelcast member's UUID only for the members that formed the CP
            // subsystem; one promoted later has a CP UUID of its own, which only it can tell. If any live
            // member does not answer, nothing is removed this time.
            Set<UUID> present = new HashSet<>();
            Map<Member, Future<UUID>> identities = instance.getExecutorService("weir-cp-identities")
                    .submitToMembers(new LocalCpMemberQuery(), instance.getCluster().getMembers());
            for (Map.Entry<Member, Future<UUID>> identity : identities.entrySet()) {
                present.add(identity.getKey().getUuid());
                UUID cpUuid = identity.getValue().get(5, TimeUnit.SECONDS);
                if (cpUuid != null) {
                    present.add(cpUuid);
                }
            }
            Set<UUID> unaccounted = new HashSet<>();
            for (CPMember m : cpMembersNow) {
                if (present.contains(m.getUuid())) {
                    continue;
                }
                unaccounted.add(m.getUuid());
                if (departedSuspects.contains(m.getUuid())) {
                    log.info("removing departed member {} from the CP subsystem", m.getAddress());
                    cp.removeCPMember(m.getUuid()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                }
            }
            departedSuspects = unaccounted;
        } catch (Exception e) {
            log.debug("cannot clean up CP members yet: {}", e.toString());
        }
    }

    /**
     * Leaves the cluster gracefully, or at once after {@value #GRACEFUL_LEAVE_MS} ms: the last CP members of
     * a cluster stopping as a whole would otherwise wait minutes for a Raft majority that has already gone.
     */
    @Override
    public void close() {
        Runnable leave = () -> {
            try {
                instance.shutdown();
            } catch (RuntimeException e) {
                log.debug("Hazelcast shutdown: {}", e.toString());
            }
        };
        if (BoundedWait.run("weir-cluster-leave-" + nodeId, leave, GRACEFUL_LEAVE_MS) != null) {
            log.info("leaving the cluster gracefully takes too long (no CP majority left?); leaving at once");
            terminate();
        }
    }

    /** Drops out of the cluster at once, as a crash would (tests). */
    public void terminate() {
        instance.getLifecycleService().terminate();
    }

    private static List<String> readJvmOptions() {
        return JvmOptions.fromResource("/weir-broker.jvm-options")
                .orElseThrow(() -> new IllegalStateException("weir-broker.jvm-options is missing from the class path"));
    }
}
