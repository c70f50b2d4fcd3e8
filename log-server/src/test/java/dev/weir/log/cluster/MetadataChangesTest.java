package dev.weir.log.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pure metadata changes: reassignments, admin leader elections, and leadership when brokers come and go. */
@Tag("fast")
class MetadataChangesTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final Predicate<TopicImage> CLEAN = t -> false;

    /** Brokers {@code live} registered, topic "t" with one partition as given. */
    private static MetadataImage image(Set<Integer> live, PartitionImage partition) {
        Map<Integer, BrokerInfo> brokers = new HashMap<>();
        live.forEach(id -> brokers.put(id, new BrokerInfo(id, "127.0.0.1", 9000 + id, null)));
        return MetadataImage.empty("cluster").withBrokers(brokers)
                .withTopic(new TopicImage("t", Uuid.randomUuid(), List.of(partition), Map.of()));
    }

    private static PartitionImage partition(MetadataImage image) {
        return image.topics().get("t").partitions().get(0);
    }

    /** Replicas 1,2,3 all in sync, led by {@code leader} at epoch 5, partition epoch 10. */
    private static PartitionImage healthy(int leader) {
        return new PartitionImage(0, leader, 5, List.of(1, 2, 3), List.of(1, 2, 3), 10);
    }

    @Nested
    class Reassignment {
        @Test
        void startPutsTargetFirstAndKeepsTheOldReplicasUntilTheNewOnesCatchUp() {
            MetadataImage start = MetadataChanges.reassign(image(Set.of(1, 2, 3, 4), healthy(1)), TP, List.of(4, 2, 3));

            PartitionImage p = partition(start);
            assertEquals(List.of(4, 2, 3, 1), p.replicas());
            assertEquals(List.of(4), p.addingReplicas());
            assertEquals(List.of(1), p.removingReplicas());
            assertEquals(List.of(1, 2, 3), p.isr());
            assertEquals(1, p.leader(), "leadership stays until the move completes");
            assertEquals(5, p.leaderEpoch());
            assertEquals(11, p.partitionEpoch());

            MetadataImage notYet = MetadataChanges.reconcile(start, Set.of(1, 2, 3, 4), true, CLEAN);
            assertSame(start, notYet, "broker 4 is not in the ISR yet");
        }

        @Test
        void completesOnceAddingReplicasAreInSyncAndMovesLeadershipOffARemovedLeader() {
            MetadataImage start = MetadataChanges.reassign(image(Set.of(1, 2, 3, 4), healthy(1)), TP, List.of(4, 2, 3));
            MetadataImage caughtUp = MetadataChanges.alterPartition(start, TP, 1, 5, 11, List.of(1, 2, 3, 4));

            PartitionImage done = partition(MetadataChanges.reconcile(caughtUp, Set.of(1, 2, 3, 4), false, CLEAN));

            assertEquals(List.of(4, 2, 3), done.replicas());
            assertEquals(List.of(2, 3, 4), done.isr());
            assertFalse(done.isReassigning());
            assertEquals(4, done.leader(), "the first in-sync target replica leads");
            assertEquals(6, done.leaderEpoch(), "a new leader starts a new epoch");
        }

        @Test
        void completionKeepsALeaderThatStays() {
            MetadataImage start = MetadataChanges.reassign(image(Set.of(1, 2, 3, 4), healthy(2)), TP, List.of(4, 2, 3));
            MetadataImage caughtUp = MetadataChanges.alterPartition(start, TP, 2, 5, 11, List.of(1, 2, 3, 4));

            PartitionImage done = partition(MetadataChanges.reconcile(caughtUp, Set.of(1, 2, 3, 4), false, CLEAN));

            assertEquals(List.of(4, 2, 3), done.replicas());
            assertEquals(2, done.leader());
            assertEquals(5, done.leaderEpoch());
        }

        @Test
        void cancelGoesBackToTheOriginalReplicas() {
            MetadataImage start = MetadataChanges.reassign(image(Set.of(1, 2, 3, 4), healthy(1)), TP, List.of(4, 2, 3));
            MetadataImage caughtUp = MetadataChanges.alterPartition(start, TP, 1, 5, 11, List.of(1, 2, 3, 4));
            // Completion would happen on the next reconcile; the cancel comes first.
            PartitionImage back = partition(MetadataChanges.reassign(caughtUp, TP, null));

            // As in Kafka, the original replicas come back in the order the move kept them (targets first).
            assertEquals(List.of(2, 3, 1), back.replicas());
            assertEquals(List.of(1, 2, 3), back.isr(), "the added replica leaves the ISR");
            assertFalse(back.isReassigning());
            assertEquals(1, back.leader());
        }

        @Test
        void cancelWithoutAReassignmentIsRefused() {
            NoReassignmentInProgressException e = assertThrows(NoReassignmentInProgressException.class,
                    () -> MetadataChanges.reassign(image(Set.of(1, 2, 3), healthy(1)), TP, null));
            assertTrue(e.getMessage().contains("t-0"), e.getMessage());
        }

        @Test
        void aNewTargetReplacesAMoveInProgressStartingFromTheOriginalReplicas() {
            MetadataImage start = MetadataChanges.reassign(image(Set.of(1, 2, 3, 4, 5), healthy(1)), TP, List.of(4, 2, 3));
            MetadataImage four = MetadataChanges.alterPartition(start, TP, 1, 5, 11, List.of(1, 2, 3, 4));

            PartitionImage p = partition(MetadataChanges.reassign(four, TP, List.of(5, 2, 3)));

            assertEquals(List.of(5, 2, 3, 1), p.replicas());
            assertEquals(List.of(5), p.addingReplicas());
            assertEquals(List.of(1), p.removingReplicas());
            assertEquals(List.of(1, 2, 3), p.isr(), "broker 4 is no replica any more");
            assertEquals(1, p.leader());
        }

        @Test
        void theSameReplicasAreNoChange() {
            MetadataImage before = image(Set.of(1, 2, 3), healthy(1));
            assertSame(before, MetadataChanges.reassign(before, TP, List.of(1, 2, 3)));
        }

        @Test
        void badTargetsAreRefusedWithKafkasErrors() {
            MetadataImage before = image(Set.of(1, 2, 3), healthy(1));
            InvalidReplicaAssignmentException unknown = assertThrows(InvalidReplicaAssignmentException.class,
                    () -> MetadataChanges.reassign(before, TP, List.of(1, 2, 9)));
            assertTrue(unknown.getMessage().contains("broker 9"), unknown.getMessage());
            assertThrows(InvalidReplicaAssignmentException.class,
                    () -> MetadataChanges.reassign(before, TP, List.of(1, 2, 2)));
            assertThrows(InvalidReplicaAssignmentException.class, () -> MetadataChanges.reassign(before, TP, List.of()));
            assertThrows(UnknownTopicOrPartitionException.class,
                    () -> MetadataChanges.reassign(before, new TopicPartition("t", 1), List.of(1, 2, 3)));
            assertThrows(UnknownTopicOrPartitionException.class,
                    () -> MetadataChanges.reassign(before, new TopicPartition("nope", 0), List.of(1, 2, 3)));
        }
    }

    @Nested
    class ElectLeaders {
        @Test
        void preferredElectionMovesLeadershipToTheFirstReplicaWithANewEpoch() {
            MetadataImage before = image(Set.of(1, 2, 3), healthy(2));

            MetadataChanges.Result<List<ElectionResult>> result = MetadataChanges.electLeaders(before, false, List.of(TP));

            assertEquals(List.of(ElectionResult.elected(TP)), result.value());
            PartitionImage p = partition(result.image());
            assertEquals(1, p.leader());
            assertEquals(6, p.leaderEpoch());
            assertEquals(11, p.partitionEpoch());
            assertEquals(List.of(1, 2, 3), p.isr());
        }

        @Test
        void preferredElectionIsNotNeededWhenThePreferredReplicaLeads() {
            MetadataImage before = image(Set.of(1, 2, 3), healthy(1));

            MetadataChanges.Result<List<ElectionResult>> result = MetadataChanges.electLeaders(before, false, List.of(TP));

            assertSame(before, result.image());
            assertEquals(ElectionResult.Failure.ELECTION_NOT_NEEDED, result.value().get(0).failure());
        }

        @Test
        void preferredReplicaOutOfSyncOrDeadIsNotAvailable() {
            PartitionImage outOfSync = new PartitionImage(0, 2, 5, List.of(1, 2, 3), List.of(2, 3), 10);
            MetadataChanges.Result<List<ElectionResult>> lagging =
                    MetadataChanges.electLeaders(image(Set.of(1, 2, 3), outOfSync), false, List.of(TP));
            assertEquals(ElectionResult.Failure.PREFERRED_LEADER_NOT_AVAILABLE, lagging.value().get(0).failure());

            MetadataChanges.Result<List<ElectionResult>> dead =
                    MetadataChanges.electLeaders(image(Set.of(2, 3), healthy(2)), false, List.of(TP));
            assertEquals(ElectionResult.Failure.PREFERRED_LEADER_NOT_AVAILABLE, dead.value().get(0).failure());
            assertTrue(dead.value().get(0).message().contains("not a live broker"), dead.value().get(0).message());
        }

        @Test
        void uncleanElectionGivesAnOfflinePartitionTheFirstLiveReplicaAsWholeIsr() {
            PartitionImage offline = new PartitionImage(0, PartitionImage.NO_LEADER, 6, List.of(1, 2, 3), List.of(1), 12);

            MetadataChanges.Result<List<ElectionResult>> result =
                    MetadataChanges.electLeaders(image(Set.of(2, 3), offline), true, List.of(TP));

            assertNull(result.value().get(0).failure());
            PartitionImage p = partition(result.image());
            assertEquals(2, p.leader());
            assertEquals(List.of(2), p.isr());
            assertEquals(7, p.leaderEpoch());
        }

        @Test
        void uncleanElectionPrefersAnInSyncReplica() {
            PartitionImage offline = new PartitionImage(0, PartitionImage.NO_LEADER, 6, List.of(1, 2, 3), List.of(3), 12);
            PartitionImage p = partition(MetadataChanges.electLeaders(image(Set.of(2, 3), offline), true, List.of(TP)).image());
            assertEquals(3, p.leader());
            assertEquals(List.of(3), p.isr());
        }

        @Test
        void uncleanElectionIsNotNeededWithALeaderAndImpossibleWithoutLiveReplicas() {
            assertEquals(ElectionResult.Failure.ELECTION_NOT_NEEDED, MetadataChanges.electLeaders(
                    image(Set.of(1, 2, 3), healthy(2)), true, List.of(TP)).value().get(0).failure());

            PartitionImage offline = new PartitionImage(0, PartitionImage.NO_LEADER, 6, List.of(1, 2, 3), List.of(1), 12);
            MetadataImage noneLive = image(Set.of(4), offline);
            MetadataChanges.Result<List<ElectionResult>> result = MetadataChanges.electLeaders(noneLive, true, List.of(TP));
            assertEquals(ElectionResult.Failure.ELIGIBLE_LEADERS_NOT_AVAILABLE, result.value().get(0).failure());
            assertSame(noneLive, result.image());
        }

        @Test
        void unknownPartitionsAreReportedAndNullMeansEveryPartition() {
            MetadataImage before = image(Set.of(1, 2, 3), healthy(2));
            TopicPartition missing = new TopicPartition("t", 7);
            TopicPartition noTopic = new TopicPartition("nope", 0);

            List<ElectionResult> named = MetadataChanges.electLeaders(before, false, List.of(missing, noTopic)).value();
            assertEquals(ElectionResult.Failure.UNKNOWN_TOPIC_OR_PARTITION, named.get(0).failure());
            assertEquals(ElectionResult.Failure.UNKNOWN_TOPIC_OR_PARTITION, named.get(1).failure());
            assertTrue(named.get(0).error().orElseThrow() instanceof UnknownTopicOrPartitionException);

            MetadataChanges.Result<List<ElectionResult>> all = MetadataChanges.electLeaders(before, false, null);
            assertEquals(List.of(ElectionResult.elected(TP)), all.value());
            assertEquals(1, partition(all.image()).leader());
        }
    }

    @Nested
    class LeadershipWhenBrokersComeAndGo {
        @Test
        void aLostLeaderIsReplacedByTheNextInSyncReplica() {
            PartitionImage p = partition(MetadataChanges.brokerLost(image(Set.of(1, 2, 3), healthy(1)), 1, CLEAN));

            assertEquals(2, p.leader());
            assertEquals(6, p.leaderEpoch());
            assertEquals(List.of(2, 3), p.isr());
        }

        @Test
        void theLastInSyncReplicaStaysInTheIsrAndThePartitionGoesOffline() {
            PartitionImage lonely = new PartitionImage(0, 1, 5, List.of(1, 2, 3), List.of(1), 10);

            PartitionImage p = partition(MetadataChanges.brokerLost(image(Set.of(1, 2, 3), lonely), 1, CLEAN));

            assertEquals(PartitionImage.NO_LEADER, p.leader());
            assertEquals(List.of(1), p.isr());
        }

        @Test
        void uncleanTopicsElectAnOutOfSyncReplica() {
            PartitionImage lonely = new PartitionImage(0, 1, 5, List.of(1, 2, 3), List.of(1), 10);

            PartitionImage p = partition(MetadataChanges.brokerLost(image(Set.of(1, 2, 3), lonely), 1, t -> true));

            assertEquals(2, p.leader());
            assertEquals(List.of(2), p.isr());
        }

        @Test
        void reconcileDropsDeadBrokersAndRevivesOfflinePartitionsWhenAnInSyncReplicaReturns() {
            MetadataImage before = image(Set.of(1, 2, 3), new PartitionImage(0, 1, 5, List.of(1, 2, 3), List.of(1), 10));

            MetadataImage lost = MetadataChanges.reconcile(before, Set.of(2, 3), false, CLEAN);
            assertEquals(Set.of(2, 3), lost.brokers().keySet());
            assertEquals(PartitionImage.NO_LEADER, partition(lost).leader());

            MetadataImage back = MetadataChanges.registerBroker(lost, new BrokerInfo(1, "127.0.0.1", 9001, null), CLEAN);
            PartitionImage revived = partition(MetadataChanges.reconcile(back, Set.of(1, 2, 3), false, CLEAN));
            assertEquals(1, revived.leader());
            assertEquals(7, revived.leaderEpoch());
        }

        @Test
        void autoRebalanceHandsLeadershipBackToAnInSyncPreferredReplica() {
            MetadataImage before = image(Set.of(1, 2, 3), healthy(2));

            assertSame(before, MetadataChanges.reconcile(before, Set.of(1, 2, 3), false, CLEAN));
            PartitionImage p = partition(MetadataChanges.reconcile(before, Set.of(1, 2, 3), true, CLEAN));
            assertEquals(1, p.leader());
            assertEquals(6, p.leaderEpoch());

            MetadataImage lagging = image(Set.of(1, 2, 3), new PartitionImage(0, 2, 5, List.of(1, 2, 3), List.of(2, 3), 10));
            assertSame(lagging, MetadataChanges.reconcile(lagging, Set.of(1, 2, 3), true, CLEAN),
                    "an out-of-sync preferred replica does not lead");
        }
    }
}
