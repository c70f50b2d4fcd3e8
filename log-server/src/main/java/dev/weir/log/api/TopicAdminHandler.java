package dev.weir.log.api;

import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.config.TopicConfigs;
import dev.weir.log.protocol.ErrorCode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CreateTopics, DeleteTopics and CreatePartitions. */
final class TopicAdminHandler {
    private static final Logger log = LoggerFactory.getLogger(TopicAdminHandler.class);

    private final MetadataStore metadata;
    private final BrokerConfig broker;
    private final TopicCreation topicCreation;

    TopicAdminHandler(MetadataStore metadata, BrokerConfig broker, TopicCreation topicCreation) {
        this.metadata = metadata;
        this.broker = broker;
        this.topicCreation = topicCreation;
    }

    CreateTopicsResponseData createTopics(CreateTopicsRequestData request) {
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        request.topics().forEach(t -> {
            if (!seen.add(t.name())) {
                duplicates.add(t.name());
            }
        });
        for (CreatableTopic topic : request.topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(topic.name());
            response.topics().add(result);
            if (duplicates.contains(topic.name())) {
                fail(result, ErrorCode.INVALID_REQUEST.code(), "topic '" + topic.name() + "' is named more than once");
                continue;
            }
            try {
                Map<String, String> configs = new HashMap<>();
                topic.configs().forEach(c -> configs.put(c.name(), c.value()));
                int partitions = topic.numPartitions();
                short replicationFactor = topic.replicationFactor();
                if (!topic.assignments().isEmpty()) {
                    if (partitions != TopicCreation.DEFAULT || replicationFactor != TopicCreation.DEFAULT) {
                        throw new InvalidRequestException(
                                "give either replica assignments or partitions and replication factor, not both");
                    }
                    partitions = topic.assignments().size();
                    replicationFactor = (short) topic.assignments().iterator().next().brokerIds().size();
                    checkAssignments(topic, replicationFactor);
                }
                TopicCreation.Plan plan = topicCreation.validate(topic.name(), partitions, replicationFactor, configs);
                Uuid id = Uuid.ZERO_UUID;
                if (!request.validateOnly()) {
                    TopicImage created = topicCreation.create(plan);
                    id = created.id();
                    log.info("created topic '{}' with {} partition(s)", plan.name(), plan.partitions());
                }
                result.setTopicId(id)
                        .setNumPartitions(plan.partitions())
                        .setReplicationFactor(plan.replicationFactor());
                for (TopicConfigs.Value v : TopicConfigs.effective(plan.configs(), broker)) {
                    result.configs().add(new CreatableTopicConfigs()
                            .setName(v.key().name())
                            .setValue(v.value())
                            .setReadOnly(false)
                            .setIsSensitive(false)
                            .setConfigSource(ConfigsHandler.sourceCode(v.source())));
                }
            } catch (RuntimeException e) {
                fail(result, ErrorCode.of(e), ErrorCode.messageOf(e));
            }
        }
        return response;
    }

    private void checkAssignments(CreatableTopic topic, short replicationFactor) {
        Set<Integer> brokers = metadata.current().brokers().keySet();
        int expectedIndex = 0;
        for (var assignment : topic.assignments()) {
            if (assignment.partitionIndex() != expectedIndex++) {
                throw new InvalidPartitionsException("replica assignments must cover partitions 0.."
                        + (topic.assignments().size() - 1) + " in order");
            }
            if (assignment.brokerIds().size() != replicationFactor
                    || new HashSet<>(assignment.brokerIds()).size() != replicationFactor
                    || !brokers.containsAll(assignment.brokerIds())) {
                throw new InvalidRequestException("replica assignment " + assignment.brokerIds() + " of partition "
                        + assignment.partitionIndex() + " must name " + replicationFactor
                        + " distinct live brokers of " + brokers);
            }
        }
    }

    private static void fail(CreatableTopicResult result, short code, String message) {
        result.setErrorCode(code).setErrorMessage(message)
                .setNumPartitions(TopicCreation.DEFAULT).setReplicationFactor((short) TopicCreation.DEFAULT)
                .setConfigs(null);
    }

    DeleteTopicsResponseData deleteTopics(DeleteTopicsRequestData request) {
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        Map<String, Uuid> targets = new java.util.LinkedHashMap<>();
        request.topicNames().forEach(name -> targets.put(name, null));
        request.topics().forEach(t -> targets.put(t.name() != null ? t.name() : "\0" + t.topicId(), t.topicId()));
        for (Map.Entry<String, Uuid> target : targets.entrySet()) {
            DeletableTopicResult result = new DeletableTopicResult();
            response.responses().add(result);
            Uuid id = target.getValue();
            Optional<TopicImage> topic;
            if (target.getKey().startsWith("\0")) {
                result.setTopicId(id);
                topic = metadata.current().topic(id);
                if (topic.isEmpty()) {
                    result.setErrorCode(ErrorCode.UNKNOWN_TOPIC_ID.code()).setErrorMessage("no topic has id " + id);
                    continue;
                }
            } else {
                result.setName(target.getKey());
                topic = metadata.current().topic(target.getKey());
            }
            try {
                if (!broker.getBoolean("delete.topic.enable")) {
                    result.setErrorCode(ErrorCode.TOPIC_DELETION_DISABLED.code())
                            .setErrorMessage("topic deletion is disabled: set delete.topic.enable=true");
                    continue;
                }
                TopicImage t = topic.orElseThrow(() ->
                        new UnknownTopicOrPartitionException("topic '" + target.getKey() + "' does not exist"));
                metadata.deleteTopic(t.name());
                result.setName(t.name()).setTopicId(t.id());
                log.info("deleted topic '{}'", t.name());
            } catch (RuntimeException e) {
                result.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e));
            }
        }
        return response;
    }

    CreatePartitionsResponseData createPartitions(CreatePartitionsRequestData request) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        for (var topic : request.topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(topic.name());
            response.results().add(result);
            try {
                TopicImage existing = metadata.current().topic(topic.name()).orElseThrow(() ->
                        new UnknownTopicOrPartitionException("topic '" + topic.name() + "' does not exist"));
                int current = existing.partitions().size();
                if (topic.count() <= current) {
                    throw new InvalidPartitionsException("topic '" + topic.name() + "' has " + current
                            + " partitions; the new count must be larger, not " + topic.count());
                }
                if (topic.assignments() != null && topic.assignments().size() != topic.count() - current) {
                    throw new InvalidRequestException("give one replica assignment per new partition ("
                            + (topic.count() - current) + "), not " + topic.assignments().size());
                }
                if (!request.validateOnly()) {
                    metadata.createPartitions(topic.name(), topic.count());
                    log.info("topic '{}' now has {} partitions", topic.name(), topic.count());
                }
            } catch (RuntimeException e) {
                result.setErrorCode(ErrorCode.of(e)).setErrorMessage(ErrorCode.messageOf(e));
            }
        }
        return response;
    }
}
