package dev.weir.log.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.ElectionResult;
import dev.weir.log.cluster.MetadataChanges;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The wire shapes of the replica admin APIs over a metadata store that applies {@link MetadataChanges}
 * in memory: what is listed, what is left out, which error each partition gets.
 */
@Tag("fast")
class ReplicaAdminHandlerTest {
    /** Brokers 1-4; topic "t": partition 0 led by 1 on [1,2,3], partition 1 led by 3 (not preferred) on [2,3,1]. */
    private final AtomicReference<MetadataImage> image = new AtomicReference<>(initial());
    private final ReplicaAdminHandler handler = new ReplicaAdminHandler(store(image));

    private static MetadataImage initial() {
        Map<Integer, BrokerInfo> brokers = new HashMap<>();
        for (int id = 1; id <= 4; id++) {
            brokers.put(id, new BrokerInfo(id, "127.0.0.1", 9000 + id, null));
        }
        return MetadataImage.empty("c").withBrokers(brokers).withTopic(new TopicImage("t", Uuid.randomUuid(), List.of(
                new PartitionImage(0, 1, 0, List.of(1, 2, 3), List.of(1, 2, 3), 0),
                new PartitionImage(1, 3, 1, List.of(2, 3, 1), List.of(2, 3, 1), 1)), Map.of()));
    }

    /** Only what the handler uses: current(), reassignPartition() and electLeaders(), applied to {@code ref}. */
    @SuppressWarnings("unchecked")
    private static MetadataStore store(AtomicReference<MetadataImage> ref) {
        return (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
                new Class<?>[]{MetadataStore.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "current" -> ref.get();
                    case "reassignPartition" -> {
                        ref.set(MetadataChanges.reassign(ref.get(), (TopicPartition) args[0], (List<Integer>) args[1]));
                        yield null;
                    }
                    case "electLeaders" -> {
                        var result = MetadataChanges.electLeaders(ref.get(), (Boolean) args[0],
                                (java.util.Set<TopicPartition>) args[1]);
                        ref.set(result.image());
                        yield ElectionResult.asMap(result.value());
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static AlterPartitionReassignmentsRequestData reassign(int partition, List<Integer> target) {
        AlterPartitionReassignmentsRequestData request = new AlterPartitionReassignmentsRequestData();
        request.topics().add(new ReassignableTopic().setName("t").setPartitions(List.of(
                new ReassignablePartition().setPartitionIndex(partition).setReplicas(target))));
        return request;
    }

    private ReassignablePartitionResponse only(AlterPartitionReassignmentsRequestData request) {
        return handler.alterReassignments(request, (short) 1).responses().get(0).partitions().get(0);
    }

    @Test
    void aStartedMoveIsListedWithItsAddingAndRemovingReplicas() {
        assertEquals(Errors.NONE.code(), only(reassign(0, List.of(4, 2, 3))).errorCode());

        ListPartitionReassignmentsResponseData all = handler.listReassignments(new ListPartitionReassignmentsRequestData());
        assertEquals(1, all.topics().size());
        OngoingPartitionReassignment moving = all.topics().get(0).partitions().get(0);
        assertEquals(0, moving.partitionIndex());
        assertEquals(List.of(4, 2, 3, 1), moving.replicas());
        assertEquals(List.of(4), moving.addingReplicas());
        assertEquals(List.of(1), moving.removingReplicas());

        ListPartitionReassignmentsRequestData named = new ListPartitionReassignmentsRequestData().setTopics(List.of(
                new ListPartitionReassignmentsTopics().setName("t").setPartitionIndexes(List.of(1, 7)),
                new ListPartitionReassignmentsTopics().setName("nope").setPartitionIndexes(List.of(0))));
        assertTrue(handler.listReassignments(named).topics().isEmpty(), "not moving, missing: not listed");

        assertEquals(Errors.NONE.code(), only(reassign(0, null)).errorCode(), "cancel");
        assertTrue(handler.listReassignments(new ListPartitionReassignmentsRequestData()).topics().isEmpty());
    }

    @Test
    void eachPartitionGetsKafkasError() {
        ReassignablePartitionResponse unknownBroker = only(reassign(0, List.of(1, 2, 9)));
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT.code(), unknownBroker.errorCode());
        assertTrue(unknownBroker.errorMessage().contains("broker 9"), unknownBroker.errorMessage());
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT.code(), only(reassign(0, List.of(1, 1, 2))).errorCode());
        assertEquals(Errors.NO_REASSIGNMENT_IN_PROGRESS.code(), only(reassign(0, null)).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), only(reassign(5, List.of(1, 2, 3))).errorCode());

        AlterPartitionReassignmentsRequestData grow = reassign(0, List.of(1, 2, 3, 4)).setAllowReplicationFactorChange(false);
        assertEquals(Errors.INVALID_REPLICATION_FACTOR.code(), only(grow).errorCode());
    }

    @Test
    void electingAllPartitionsListsOnlyThoseActedOn() {
        ElectLeadersResponseData all = handler.electLeaders(new ElectLeadersRequestData().setTopicPartitions(null),
                (short) 2);
        assertEquals(1, all.replicaElectionResults().size());
        var results = all.replicaElectionResults().get(0).partitionResult();
        assertEquals(1, results.size(), "partition 0 already had its preferred leader");
        assertEquals(1, results.get(0).partitionId());
        assertEquals(Errors.NONE.code(), results.get(0).errorCode());
        assertNull(results.get(0).errorMessage());
        assertEquals(2, image.get().topics().get("t").partitions().get(1).leader());

        ElectLeadersRequestData named = new ElectLeadersRequestData();
        named.topicPartitions().add(new TopicPartitions().setTopic("t").setPartitions(List.of(0, 9)));
        var namedResults = handler.electLeaders(named, (short) 2).replicaElectionResults().get(0).partitionResult();
        assertEquals(Errors.ELECTION_NOT_NEEDED.code(), namedResults.get(0).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), namedResults.get(1).errorCode());
    }

    @Test
    void anUnknownElectionTypeIsAnInvalidRequest() {
        ElectLeadersRequestData request = new ElectLeadersRequestData().setElectionType((byte) 7);
        request.topicPartitions().add(new TopicPartitions().setTopic("t").setPartitions(List.of(0)));

        ElectLeadersResponseData response = handler.electLeaders(request, (short) 1);

        assertEquals(Errors.INVALID_REQUEST.code(), response.errorCode());
        assertEquals(Errors.INVALID_REQUEST.code(),
                response.replicaElectionResults().get(0).partitionResult().get(0).errorCode());
    }
}
