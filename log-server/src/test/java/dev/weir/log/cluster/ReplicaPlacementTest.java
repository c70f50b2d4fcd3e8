package dev.weir.log.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.cluster.ReplicaPlacement.BrokerSlot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ReplicaPlacement} against the properties Kafka's assignment guarantees (distinct replicas,
 * leaders within one of each other, even replica counts for whole rounds, racks), Kafka's documented
 * 5-broker layout, and the errors.
 */
@Tag("fast")
class ReplicaPlacementTest {

    private static List<BrokerSlot> brokers(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(BrokerSlot::new).toList();
    }

    /** n brokers, ids 1..n, broker i in rack "r" + (i - 1) % racks (so racks interleave by id). */
    private static List<BrokerSlot> brokersInRacks(int n, int racks) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new BrokerSlot(i, "r" + (i - 1) % racks)).toList();
    }

    private static Map<Integer, Integer> leaderCounts(List<List<Integer>> assignment) {
        Map<Integer, Integer> counts = new HashMap<>();
        assignment.forEach(r -> counts.merge(ReplicaPlacement.preferredLeader(r), 1, Integer::sum));
        return counts;
    }

    private static Map<Integer, Integer> replicaCounts(List<List<Integer>> assignment) {
        Map<Integer, Integer> counts = new HashMap<>();
        assignment.forEach(r -> r.forEach(b -> counts.merge(b, 1, Integer::sum)));
        return counts;
    }

    /** max - min over all brokers, a broker with nothing counting as 0. */
    private static int spread(Map<Integer, Integer> counts, List<BrokerSlot> brokers) {
        List<Integer> values = brokers.stream().map(b -> counts.getOrDefault(b.nodeId(), 0)).toList();
        return Collections.max(values) - Collections.min(values);
    }

    private static void assertWellFormed(List<List<Integer>> assignment, int count, int rf, List<BrokerSlot> brokers,
                                         String what) {
        assertEquals(count, assignment.size(), what);
        Set<Integer> ids = new HashSet<>();
        brokers.forEach(b -> ids.add(b.nodeId()));
        for (List<Integer> replicas : assignment) {
            assertEquals(rf, replicas.size(), what + ": " + replicas);
            assertEquals(rf, new HashSet<>(replicas).size(), what + ": replicas distinct " + replicas);
            assertTrue(ids.containsAll(replicas), what + ": only live brokers " + replicas);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5, 6})
    void replicasAreDistinctAndLeadersAndReplicasSpreadEvenly(int n) {
        List<BrokerSlot> brokers = brokers(n);
        for (int rf = 1; rf <= 3; rf++) {
            for (int count = 1; count <= 100; count++) {
                for (long seed = 0; seed < 5; seed++) {
                    String what = n + " brokers, rf " + rf + ", " + count + " partitions, seed " + seed;
                    List<List<Integer>> a = ReplicaPlacement.assignNewTopic(brokers, count, rf, Map.of(), seed);
                    assertWellFormed(a, count, rf, brokers, what);
                    assertTrue(spread(leaderCounts(a), brokers) <= 1, what + ": leaders " + leaderCounts(a));
                    if (count % n == 0) {
                        // Whole rounds: every broker holds exactly rf * count / n replicas.
                        assertEquals(0, spread(replicaCounts(a), brokers), what + ": replicas " + replicaCounts(a));
                    }
                }
            }
        }
    }

    @Test
    void everyStartAndShiftGivesDistinctReplicasAndBalancedLeaders() {
        for (int n : new int[] {1, 2, 3, 5, 6}) {
            List<BrokerSlot> brokers = brokers(n);
            for (int rf = 1; rf <= Math.min(3, n); rf++) {
                for (int start = -2; start < n + 2; start++) {
                    for (int shift = 0; shift < n + 2; shift++) {
                        for (int first : new int[] {0, 1, 7}) {
                            String what = n + " brokers, rf " + rf + ", start " + start + ", shift " + shift;
                            List<List<Integer>> a = ReplicaPlacement.assign(brokers, first, 30, rf, start, shift);
                            assertWellFormed(a, 30, rf, brokers, what);
                            assertTrue(spread(leaderCounts(a), brokers) <= 1, what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void matchesKafkasDocumentedLayoutForFiveBrokers() {
        // Kafka's AdminUtils documents this placement of 10 partitions, rf 3, on brokers 0..4 from index 0.
        List<BrokerSlot> brokers = IntStream.range(0, 5).mapToObj(BrokerSlot::new).toList();
        List<List<Integer>> a = ReplicaPlacement.assign(brokers, 0, 10, 3, 0, 0);
        assertEquals(List.of(
                List.of(0, 1, 2), List.of(1, 2, 3), List.of(2, 3, 4), List.of(3, 4, 0), List.of(4, 0, 1),
                List.of(0, 2, 3), List.of(1, 3, 4), List.of(2, 4, 0), List.of(3, 0, 1), List.of(4, 1, 2)), a);
    }

    @Test
    void sameSeedSameAnswerAndSeedsSpreadSinglePartitionTopics() {
        List<BrokerSlot> brokers = brokers(5);
        assertEquals(ReplicaPlacement.assignNewTopic(brokers, 7, 3, Map.of(), 42),
                ReplicaPlacement.assignNewTopic(brokers, 7, 3, Map.of(), 42));
        Set<Integer> leaders = new HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            leaders.add(ReplicaPlacement.assignNewTopic(brokers, 1, 1, Map.of(), seed).get(0).get(0));
        }
        assertEquals(Set.of(1, 2, 3, 4, 5), leaders, "random starts reach every broker");
    }

    @Test
    void brokerOrderDoesNotMatter() {
        List<BrokerSlot> sorted = brokersInRacks(6, 3);
        List<BrokerSlot> shuffled = new ArrayList<>(sorted);
        Collections.shuffle(shuffled, new Random(7));
        assertEquals(ReplicaPlacement.assignNewTopic(sorted, 12, 3, Map.of(), 1),
                ReplicaPlacement.assignNewTopic(shuffled, 12, 3, Map.of(), 1));
        assertEquals(ReplicaPlacement.assign(brokers(4), 0, 8, 2, 1, 1),
                ReplicaPlacement.assign(List.of(new BrokerSlot(3), new BrokerSlot(1), new BrokerSlot(4),
                        new BrokerSlot(2)), 0, 8, 2, 1, 1));
    }

    @Test
    void newLeadersGoToTheLeastLoadedBrokers() {
        List<BrokerSlot> brokers = brokers(3);
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(3, ReplicaPlacement.assignNewTopic(brokers, 1, 2, Map.of(1, 2, 2, 2), seed).get(0).get(0));
            assertEquals(Map.of(2, 1, 3, 1),
                    leaderCounts(ReplicaPlacement.assignNewTopic(brokers, 2, 1, Map.of(1, 5, 2, 0), seed)));
            // 4 partitions on 3 brokers: the extra leader goes to the broker leading least (2).
            assertEquals(Map.of(1, 1, 2, 2, 3, 1),
                    leaderCounts(ReplicaPlacement.assignNewTopic(brokers, 4, 1, Map.of(1, 3, 2, 1, 3, 2), seed)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5, 6})
    void manySinglePartitionTopicsKeepLeadersBalanced(int n) {
        List<BrokerSlot> brokers = brokers(n);
        Map<Integer, Integer> leaders = new HashMap<>();
        Random seeds = new Random(3);
        for (int topic = 0; topic < 100; topic++) {
            List<List<Integer>> a = ReplicaPlacement.assignNewTopic(brokers, 1, Math.min(3, n), leaders, seeds.nextLong());
            leaders.merge(a.get(0).get(0), 1, Integer::sum);
            assertTrue(spread(leaders, brokers) <= 1, "after topic " + topic + ": " + leaders);
        }
    }

    @Test
    void addedPartitionsContinueTheTopicsRoundRobin() {
        List<BrokerSlot> brokers = brokers(5);
        for (long seed = 0; seed < 10; seed++) {
            List<List<Integer>> existing = ReplicaPlacement.assignNewTopic(brokers, 3, 2, Map.of(), seed);
            List<List<Integer>> added = ReplicaPlacement.assignAddedPartitions(brokers, existing, 7);
            assertWellFormed(added, 7, 2, brokers, "added");
            List<List<Integer>> all = new ArrayList<>(existing);
            all.addAll(added);
            assertEquals(0, spread(leaderCounts(all), brokers), "10 partitions on 5 brokers lead 2 each: " + all);
        }
    }

    @Test
    void rackAlternatedOrderInterleavesRacks() {
        List<BrokerSlot> brokers = IntStream.range(0, 9).mapToObj(i -> new BrokerSlot(i, "rack" + (i / 3 + 1))).toList();
        assertEquals(List.of(0, 3, 6, 1, 4, 7, 2, 5, 8),
                ReplicaPlacement.brokerOrder(brokers, 1).stream().map(BrokerSlot::nodeId).toList());
        List<BrokerSlot> uneven = List.of(new BrokerSlot(1, "a"), new BrokerSlot(2, "a"), new BrokerSlot(3, "a"),
                new BrokerSlot(4, "b"));
        assertEquals(List.of(1, 4, 2, 3),
                ReplicaPlacement.brokerOrder(uneven, 1).stream().map(BrokerSlot::nodeId).toList());
    }

    @Test
    void sixBrokersInThreeRacksPutEveryPartitionOnThreeRacks() {
        List<BrokerSlot> brokers = brokersInRacks(6, 3);
        Map<Integer, String> rackOf = new HashMap<>();
        brokers.forEach(b -> rackOf.put(b.nodeId(), b.rack()));
        for (int count = 1; count <= 100; count++) {
            for (long seed = 0; seed < 5; seed++) {
                String what = count + " partitions, seed " + seed;
                List<List<Integer>> a = ReplicaPlacement.assignNewTopic(brokers, count, 3, Map.of(), seed);
                assertWellFormed(a, count, 3, brokers, what);
                for (int p = 0; p < count; p++) {
                    Set<String> racks = new HashSet<>();
                    a.get(p).forEach(b -> racks.add(rackOf.get(b)));
                    assertEquals(3, racks.size(), what + ": partition " + p + " " + a.get(p));
                    if (p > 0) {
                        assertNotEquals(rackOf.get(a.get(p - 1).get(0)), rackOf.get(a.get(p).get(0)),
                                what + ": leaders alternate racks at partition " + p);
                    }
                }
                assertTrue(spread(leaderCounts(a), brokers) <= 1, what + ": leaders " + leaderCounts(a));
                if (count % 6 == 0) {
                    assertEquals(0, spread(replicaCounts(a), brokers), what + ": replicas " + replicaCounts(a));
                }
            }
        }
    }

    @Test
    void racksAreUsedAsFarAsTheyGo() {
        // rf 2 over 3 racks: 2 racks each; rf 3 over 2 racks: both racks; uneven racks: both racks.
        List<List<BrokerSlot>> clusters = List.of(brokersInRacks(6, 3), brokersInRacks(4, 2), List.of(
                new BrokerSlot(1, "a"), new BrokerSlot(2, "a"), new BrokerSlot(3, "a"), new BrokerSlot(4, "b")));
        int[] rfs = {2, 3, 2};
        int[] expectedRacks = {2, 2, 2};
        for (int c = 0; c < clusters.size(); c++) {
            Map<Integer, String> rackOf = new HashMap<>();
            clusters.get(c).forEach(b -> rackOf.put(b.nodeId(), b.rack()));
            for (long seed = 0; seed < 10; seed++) {
                List<List<Integer>> a = ReplicaPlacement.assignNewTopic(clusters.get(c), 20, rfs[c], Map.of(), seed);
                assertWellFormed(a, 20, rfs[c], clusters.get(c), "cluster " + c);
                for (List<Integer> replicas : a) {
                    assertEquals(expectedRacks[c], replicas.stream().map(rackOf::get).distinct().count(),
                            "cluster " + c + ": " + replicas);
                }
            }
        }
    }

    @Test
    void racksOnSomeBrokersOnlyAreIgnored() {
        List<BrokerSlot> partial = List.of(new BrokerSlot(1, "a"), new BrokerSlot(2, ""), new BrokerSlot(3, "b"),
                new BrokerSlot(4, null));
        assertTrue(!ReplicaPlacement.rackAware(partial));
        assertTrue(ReplicaPlacement.rackAware(brokersInRacks(4, 2)));
        assertEquals(ReplicaPlacement.assignNewTopic(brokers(4), 9, 3, Map.of(), 5),
                ReplicaPlacement.assignNewTopic(partial, 9, 3, Map.of(), 5));
    }

    @Test
    void zeroPartitionsIsAnEmptyAssignment() {
        assertEquals(List.of(), ReplicaPlacement.assignNewTopic(brokers(3), 0, 3, Map.of(), 1));
    }

    @Test
    void refusesImpossibleRequests() {
        InvalidReplicationFactorException tooMany = assertThrows(InvalidReplicationFactorException.class,
                () -> ReplicaPlacement.assignNewTopic(brokers(3), 1, 4, Map.of(), 1));
        assertEquals("replication factor 4 is larger than the number of live brokers (3: 1, 2, 3): "
                + "use a replication factor of at most 3 or start more brokers", tooMany.getMessage());
        assertThrows(InvalidReplicationFactorException.class,
                () -> ReplicaPlacement.assign(List.of(), 0, 1, 1, 0, 0));
        InvalidReplicationFactorException zero = assertThrows(InvalidReplicationFactorException.class,
                () -> ReplicaPlacement.assign(brokers(3), 0, 1, 0, 0, 0));
        assertTrue(zero.getMessage().contains("at least 1, got 0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReplicaPlacement.assign(List.of(new BrokerSlot(1), new BrokerSlot(1)), 0, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ReplicaPlacement.assign(brokers(3), 0, -1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ReplicaPlacement.assign(brokers(3), 0, 1, 1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> ReplicaPlacement.preferredLeader(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ReplicaPlacement.assignAddedPartitions(brokers(3), List.of(), 1));
        assertEquals(2, ReplicaPlacement.preferredLeader(List.of(2, 1, 3)));
    }
}
