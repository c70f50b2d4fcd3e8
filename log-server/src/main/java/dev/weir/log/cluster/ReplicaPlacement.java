package dev.weir.log.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;

/**
 * Where the replicas of new partitions go: pure functions that follow the rules of Kafka's replica
 * assignment (the ZooKeeper-era {@code AdminUtils.assignReplicasToBrokers}, kept by KRaft for
 * topics created without an explicit assignment).
 *
 * <ul>
 *   <li>Brokers are ordered by node id, so the answer does not depend on the order they are given in.
 *   <li>Preferred leaders (the first replica of each list) go round robin over the brokers from a
 *       start index, so a topic's leaders differ by at most one per broker. A new topic starts where
 *       the existing leader counts are lowest (ties broken by the seed), so many single-partition
 *       topics do not all lead on one broker.
 *   <li>Follower {@code j} of partition {@code p} sits {@code 1 + (shift + j) mod (n - 1)} brokers
 *       after the leader, and the shift grows by one every {@code n} partitions: the replicas of a
 *       partition are distinct, and for a partition count that is a multiple of {@code n} every broker
 *       holds the same number of replicas.
 *   <li>Rack-aware when every broker has a rack: the broker list is rack-alternated (one broker of
 *       each rack in turn), so consecutive leaders alternate racks, and a follower is only placed in a
 *       rack that already holds a replica of the partition once every rack holds one. With as many
 *       racks as replicas, each replica is in its own rack.
 *   <li>If only some brokers have a rack, racks are ignored altogether (Kafka refuses such a creation
 *       unless asked to disregard racks; Weir always disregards them). {@link #rackAware} tells the
 *       caller, so it can say so in its log.
 * </ul>
 *
 * <p>Every function is deterministic: the same arguments (the seed included) give the same answer,
 * so a controller that retries a creation gets the same placement.
 */
public final class ReplicaPlacement {

    /** A live broker that may hold replicas; {@code rack} null or blank means it has none. */
    public record BrokerSlot(int nodeId, String rack) {
        public BrokerSlot(int nodeId) {
            this(nodeId, null);
        }

        public boolean hasRack() {
            return rack != null && !rack.isBlank();
        }
    }

    private ReplicaPlacement() {}

    /**
     * Replicas for the partitions {@code [firstPartition, firstPartition + count)} of a topic, exactly
     * determined by the start: partition {@code p}'s leader is broker {@code (p + startIndex) mod n} of
     * the (rack-alternated) broker order, and {@code replicaShift} places its followers.
     *
     * @param liveBrokers brokers that may get replicas (any order; node ids distinct)
     * @param startIndex where the leaders' round robin starts; any int (taken modulo the broker count)
     * @param replicaShift offset of the first follower from its leader; any int &ge; 0
     * @return one replica list per partition, in partition order; the first replica is the preferred leader
     * @throws InvalidReplicationFactorException if the replication factor is below 1 or above the broker count
     */
    public static List<List<Integer>> assign(List<BrokerSlot> liveBrokers, int firstPartition, int count,
                                             int replicationFactor, int startIndex, int replicaShift) {
        List<BrokerSlot> order = brokerOrder(liveBrokers, replicationFactor);
        checkRange(firstPartition, count);
        if (replicaShift < 0) {
            throw new IllegalArgumentException("replicaShift must be at least 0, got " + replicaShift);
        }
        return place(order, firstPartition, count, replicationFactor, startIndex, replicaShift);
    }

    /**
     * Replicas for the {@code count} partitions of a new topic. The leaders' round robin starts where it
     * adds the fewest leaders to brokers that already lead many partitions; among equally good starts,
     * and for the follower shift, the seed decides (Kafka picks both at random).
     *
     * @param existingLeaderCounts partitions each broker leads now (by node id; missing means 0)
     * @param seed makes the choice reproducible; pass a random number for Kafka's behaviour
     */
    public static List<List<Integer>> assignNewTopic(List<BrokerSlot> liveBrokers, int count, int replicationFactor,
                                                     Map<Integer, Integer> existingLeaderCounts, long seed) {
        List<BrokerSlot> order = brokerOrder(liveBrokers, replicationFactor);
        checkRange(0, count);
        Random random = new Random(seed);
        int n = order.size();
        int start = leastLoadedStart(order, count, existingLeaderCounts, random.nextInt(n));
        return place(order, 0, count, replicationFactor, start, random.nextInt(n));
    }

    /**
     * Replicas for {@code count} partitions added to a topic that has {@code existing} (its replica lists
     * in partition order): they continue the topic's round robin from where its partition 0 leads, as
     * Kafka does, and keep its replication factor.
     */
    public static List<List<Integer>> assignAddedPartitions(List<BrokerSlot> liveBrokers,
                                                            List<List<Integer>> existing, int count) {
        if (existing.isEmpty()) {
            throw new IllegalArgumentException("a topic has at least one partition; use assignNewTopic");
        }
        int replicationFactor = existing.get(0).size();
        List<BrokerSlot> order = brokerOrder(liveBrokers, replicationFactor);
        checkRange(existing.size(), count);
        int leader0 = preferredLeader(existing.get(0));
        int start = 0;
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).nodeId() == leader0) {
                start = i;
                break;
            }
        }
        // Partition 0 led at `start`, so index `start` makes partition p lead at (p + start) mod n.
        return place(order, existing.size(), count, replicationFactor, start, start);
    }

    /** The preferred leader of a partition: its first replica. */
    public static int preferredLeader(List<Integer> replicas) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("a partition without replicas has no preferred leader");
        }
        return replicas.get(0);
    }

    /** True when placement uses racks: every broker has one (none or only some means racks are ignored). */
    public static boolean rackAware(List<BrokerSlot> brokers) {
        return !brokers.isEmpty() && brokers.stream().allMatch(BrokerSlot::hasRack);
    }

    /**
     * The order leaders go round robin in: by node id, or with racks one broker of each rack in turn
     * (racks by name, brokers in a rack by node id), e.g. racks a:[1,2,3] b:[4,5,6] give 1,4,2,5,3,6.
     */
    static List<BrokerSlot> brokerOrder(List<BrokerSlot> brokers, int replicationFactor) {
        if (replicationFactor < 1) {
            throw new InvalidReplicationFactorException("replication factor must be at least 1, got "
                    + replicationFactor + ": give 1 or more (or -1 for the broker's default.replication.factor)");
        }
        List<BrokerSlot> byId = new ArrayList<>(brokers);
        byId.sort(Comparator.comparingInt(BrokerSlot::nodeId));
        for (int i = 1; i < byId.size(); i++) {
            if (byId.get(i).nodeId() == byId.get(i - 1).nodeId()) {
                throw new IllegalArgumentException("broker " + byId.get(i).nodeId() + " is listed twice");
            }
        }
        if (replicationFactor > byId.size()) {
            throw new InvalidReplicationFactorException("replication factor " + replicationFactor
                    + " is larger than the number of live brokers (" + byId.size() + (byId.isEmpty() ? "" : ": "
                    + byId.stream().map(b -> String.valueOf(b.nodeId())).reduce((a, b) -> a + ", " + b).orElse(""))
                    + "): use a replication factor of at most " + byId.size() + " or start more brokers");
        }
        if (!rackAware(byId)) {
            return byId;
        }
        TreeMap<String, List<BrokerSlot>> byRack = new TreeMap<>();
        byId.forEach(b -> byRack.computeIfAbsent(b.rack(), r -> new ArrayList<>()).add(b));
        List<BrokerSlot> alternated = new ArrayList<>(byId.size());
        for (int round = 0; alternated.size() < byId.size(); round++) {
            for (List<BrokerSlot> rack : byRack.values()) {
                if (round < rack.size()) {
                    alternated.add(rack.get(round));
                }
            }
        }
        return alternated;
    }

    private static void checkRange(int firstPartition, int count) {
        if (firstPartition < 0 || count < 0) {
            throw new IllegalArgumentException("partitions [" + firstPartition + ", " + firstPartition + " + "
                    + count + ") are not a range of partition ids");
        }
    }

    /**
     * The start index whose round robin adds the fewest leaders to already loaded brokers: it minimises
     * the sum over brokers of existing x added leaders, which is the same as minimising the sum of the
     * squared leader counts afterwards. Candidates are tried from {@code firstCandidate}, so ties (all of
     * them when nothing leads yet) go to the seed's pick.
     */
    private static int leastLoadedStart(List<BrokerSlot> order, int count, Map<Integer, Integer> existing,
                                        int firstCandidate) {
        int n = order.size();
        long[] load = new long[n];
        for (int i = 0; i < n; i++) {
            load[i] = existing.getOrDefault(order.get(i).nodeId(), 0);
        }
        // Each broker gets count / n leaders, and the `count mod n` brokers from the start one more.
        int extra = count % n;
        int best = firstCandidate;
        long bestScore = Long.MAX_VALUE;
        for (int c = 0; c < n; c++) {
            int start = (firstCandidate + c) % n;
            long score = 0;
            for (int k = 0; k < extra; k++) {
                score += load[(start + k) % n];
            }
            if (score < bestScore) {
                bestScore = score;
                best = start;
            }
        }
        return best;
    }

    private static List<List<Integer>> place(List<BrokerSlot> order, int firstPartition, int count,
                                             int replicationFactor, int startIndex, int replicaShift) {
        int n = order.size();
        boolean racks = rackAware(order);
        int rackCount = racks ? (int) order.stream().map(BrokerSlot::rack).distinct().count() : 1;
        int start = Math.floorMod(startIndex, n);
        List<List<Integer>> result = new ArrayList<>(count);
        long shift = replicaShift;
        for (int p = firstPartition; p < firstPartition + count; p++) {
            // After each full round of leaders, followers move one broker further (replicas spread too).
            if (p > 0 && p % n == 0) {
                shift++;
            }
            int first = (p + start) % n;
            List<Integer> replicas = racks
                    ? rackAwareReplicas(order, first, shift * rackCount, replicationFactor, rackCount)
                    : replicas(order, first, shift, replicationFactor);
            result.add(List.copyOf(replicas));
        }
        return result;
    }

    private static List<Integer> replicas(List<BrokerSlot> order, int first, long shift, int replicationFactor) {
        List<Integer> replicas = new ArrayList<>(replicationFactor);
        replicas.add(order.get(first).nodeId());
        for (int j = 0; j < replicationFactor - 1; j++) {
            replicas.add(order.get(followerIndex(first, shift, j, order.size())).nodeId());
        }
        return replicas;
    }

    /**
     * Walks the followers' positions (as without racks, with the shift scaled by the rack count so it
     * does not just step to the next broker of the same rack pattern) and takes a broker only if its
     * rack holds no replica yet, or every rack already does.
     */
    private static List<Integer> rackAwareReplicas(List<BrokerSlot> order, int first, long shift,
                                                   int replicationFactor, int rackCount) {
        BrokerSlot leader = order.get(first);
        List<Integer> replicas = new ArrayList<>(replicationFactor);
        Set<String> racksUsed = new HashSet<>();
        replicas.add(leader.nodeId());
        racksUsed.add(leader.rack());
        // Positions cycle through every other broker each n - 1 steps: a fitting broker is always found.
        for (int k = 0; replicas.size() < replicationFactor; k++) {
            BrokerSlot candidate = order.get(followerIndex(first, shift, k, order.size()));
            boolean rackFits = !racksUsed.contains(candidate.rack()) || racksUsed.size() == rackCount;
            if (rackFits && !replicas.contains(candidate.nodeId())) {
                replicas.add(candidate.nodeId());
                racksUsed.add(candidate.rack());
            }
        }
        return replicas;
    }

    /** Follower {@code j}'s index: 1..n-1 brokers after the leader, never the leader itself. */
    private static int followerIndex(int first, long shift, int j, int n) {
        int offset = 1 + (int) Math.floorMod(shift + j, (long) (n - 1));
        return (first + offset) % n;
    }
}
