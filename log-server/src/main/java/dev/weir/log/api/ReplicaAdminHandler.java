package dev.weir.log.api;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.protocol.ErrorCode;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving replicas and leaders: AlterPartitionReassignments and ListPartitionReassignments (KIP-455),
 * ElectLeaders (KIP-460). Every change goes through the {@link MetadataStore} (the controller in a
 * cluster), partition by partition, so one bad partition does not fail the others.
 */
final class ReplicaAdminHandler {
    private static final Logger log = LoggerFactory.getLogger(ReplicaAdminHandler.class);

    private final MetadataStore metadata;

    ReplicaAdminHandler(MetadataStore metadata) {
        this.metadata = metadata;
    }

    AlterPartitionReassignmentsResponseData alterReassignments(AlterPartitionReassignmentsRequestData request,
                                                               short version) {
        AlterPartitionReassignmentsResponseData response = new AlterPartitionReassignmentsResponseData();
        if (version >= 1) {
            response.setAllowReplicationFactorChange(request.allowReplicationFactorChange());
        }
        for (ReassignableTopic topic : request.topics()) {
            ReassignableTopicResponse topicResponse = new ReassignableTopicResponse().setName(topic.name());
            response.responses().add(topicResponse);
            for (ReassignablePartition partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
                ReassignablePartitionResponse result = new ReassignablePartitionResponse()
                        .setPartitionIndex(partition.partitionIndex());
                topicResponse.partitions().add(result);
                try {
                    List<Integer> target = partition.replicas();
                    if (target != null && !request.allowReplicationFactorChange()) {
                        checkReplicationFactorKept(tp, target);
                    }
                    metadata.reassignPartition(tp, target);
                    log.info(target == null ? "cancelled the reassignment of {}" : "reassigning {} to {}", tp, target);
                } catch (RuntimeException e) {
                    result.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e));
                }
            }
        }
        return response;
    }

    /** allowReplicationFactorChange=false (KIP-860): the target must have as many replicas as the partition has now. */
    private void checkReplicationFactorKept(TopicPartition tp, List<Integer> target) {
        PartitionImage p = partition(metadata.current(), tp)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("partition " + tp + " does not exist"));
        int current = p.originalReplicas().size();
        if (target.size() != current) {
            throw new InvalidReplicationFactorException("the new replicas " + target + " would change the replication "
                    + "factor of " + tp + " from " + current + " to " + target.size()
                    + ", but the request does not allow replication factor changes");
        }
    }

    ListPartitionReassignmentsResponseData listReassignments(ListPartitionReassignmentsRequestData request) {
        MetadataImage image = metadata.current();
        ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData();
        if (request.topics() == null) {
            image.topics().values().stream().sorted(Comparator.comparing(TopicImage::name)).forEach(topic ->
                    addOngoing(response, topic, topic.partitions()));
            return response;
        }
        // Like Kafka, named partitions that do not exist or are not moving are simply not listed.
        for (var named : request.topics()) {
            image.topic(named.name()).ifPresent(topic -> addOngoing(response, topic, named.partitionIndexes().stream()
                    .filter(i -> i >= 0 && i < topic.partitions().size())
                    .distinct()
                    .map(i -> topic.partitions().get(i))
                    .toList()));
        }
        return response;
    }

    private static void addOngoing(ListPartitionReassignmentsResponseData response, TopicImage topic,
                                   List<PartitionImage> partitions) {
        OngoingTopicReassignment ongoing = new OngoingTopicReassignment().setName(topic.name());
        for (PartitionImage p : partitions) {
            if (p.isReassigning()) {
                ongoing.partitions().add(new OngoingPartitionReassignment()
                        .setPartitionIndex(p.partition())
                        .setReplicas(p.replicas())
                        .setAddingReplicas(p.addingReplicas())
                        .setRemovingReplicas(p.removingReplicas()));
            }
        }
        if (!ongoing.partitions().isEmpty()) {
            response.topics().add(ongoing);
        }
    }

    ElectLeadersResponseData electLeaders(ElectLeadersRequestData request, short version) {
        ElectLeadersResponseData response = new ElectLeadersResponseData();
        boolean all = request.topicPartitions() == null;
        Set<TopicPartition> requested = null;
        if (!all) {
            requested = new LinkedHashSet<>();
            for (var topic : request.topicPartitions()) {
                for (int p : topic.partitions()) {
                    requested.add(new TopicPartition(topic.topic(), p));
                }
            }
        }
        Map<TopicPartition, Optional<ApiException>> results;
        try {
            ElectionType type = electionType(request.electionType());
            results = metadata.electLeaders(type == ElectionType.UNCLEAN, requested);
            log.info("{} leader election for {}: {}", type, all ? "all partitions" : requested, results);
        } catch (RuntimeException e) {
            // The whole request failed (no controller, unknown election type): say so for every partition asked about.
            if (version >= 1) {
                response.setErrorCode(ErrorCode.of(e));
            }
            results = new LinkedHashMap<>();
            if (requested != null) {
                ApiException error = e instanceof ApiException a ? a : new InvalidRequestException(ErrorCode.messageOf(e));
                for (TopicPartition tp : requested) {
                    results.put(tp, Optional.of(error));
                }
            }
        }
        Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
        results.forEach((tp, error) -> {
            // Asked for all partitions, Kafka leaves out those that already have the leader asked for.
            if (all && error.isPresent() && error.get() instanceof ElectionNotNeededException) {
                return;
            }
            byTopic.computeIfAbsent(tp.topic(), t -> new ReplicaElectionResult().setTopic(t)).partitionResult()
                    .add(new PartitionResult()
                            .setPartitionId(tp.partition())
                            .setErrorCode(error.map(ErrorCode::of).orElse(ErrorCode.NONE.code()))
                            .setErrorMessage(error.map(ErrorCode::messageOf).orElse(null)));
        });
        response.replicaElectionResults().addAll(byTopic.values());
        return response;
    }

    private static ElectionType electionType(byte value) {
        try {
            return ElectionType.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("unknown election type " + value
                    + ": use 0 (preferred replica) or 1 (unclean, any live replica)");
        }
    }

    private static Optional<PartitionImage> partition(MetadataImage image, TopicPartition tp) {
        return image.topic(tp.topic())
                .filter(t -> tp.partition() >= 0 && tp.partition() < t.partitions().size())
                .map(t -> t.partitions().get(tp.partition()));
    }
}
