package dev.weir.log.api;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.txn.TransactionCoordinator;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Metadata (with auto-creation) and DescribeCluster. */
final class MetadataHandler {
    private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);
    /** "Not provided" for authorized-operations fields. */
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;
    /** DescribeCluster endpoint type for brokers (KIP-919); controllers are type 2. */
    private static final byte BROKER_ENDPOINTS = 1;

    private final MetadataStore metadata;
    private final BrokerConfig broker;
    private final TopicCreation topicCreation;
    private final GroupCoordinator groups;
    private final TransactionCoordinator txns;

    MetadataHandler(MetadataStore metadata, BrokerConfig broker, TopicCreation topicCreation, GroupCoordinator groups,
                    TransactionCoordinator txns) {
        this.txns = txns;
        this.metadata = metadata;
        this.broker = broker;
        this.topicCreation = topicCreation;
        this.groups = groups;
    }

    MetadataResponseData metadata(RequestContext ctx, MetadataRequestData request) {
        MetadataResponseData response = new MetadataResponseData();
        MetadataImage image = metadata.current();
        boolean allTopics = request.topics() == null || (ctx.apiVersion() == 0 && request.topics().isEmpty());
        if (allTopics) {
            image.topics().values().stream()
                    .sorted(java.util.Comparator.comparing(TopicImage::name))
                    .forEach(t -> response.topics().add(describe(t)));
        } else {
            boolean autoCreate = broker.getBoolean("auto.create.topics.enable")
                    && (ctx.apiVersion() < 4 || request.allowAutoTopicCreation());
            for (MetadataRequestData.MetadataRequestTopic wanted : request.topics()) {
                response.topics().add(topic(wanted, autoCreate));
            }
            image = metadata.current();
        }
        // A broker cut off from its cluster leaves itself out: clients pick the broker they ask for metadata
        // among those it names, and would otherwise keep asking this one and never find the new leaders.
        boolean isolated = metadata.isolated();
        for (BrokerInfo b : image.brokers().values()) {
            if (isolated && b.nodeId() == broker.nodeId()) {
                continue;
            }
            response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                    .setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack()));
        }
        return response
                .setClusterId(image.clusterId())
                .setControllerId(image.controllerId())
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    }

    private MetadataResponseTopic topic(MetadataRequestData.MetadataRequestTopic wanted, boolean autoCreate) {
        String name = wanted.name();
        Uuid id = wanted.topicId();
        if (name == null) {
            Optional<TopicImage> byId = metadata.current().topic(id);
            return byId.map(this::describe).orElseGet(() -> new MetadataResponseTopic()
                    .setTopicId(id).setErrorCode(ErrorCode.UNKNOWN_TOPIC_ID.code()));
        }
        if (!TopicNames.isValid(name)) {
            return new MetadataResponseTopic().setName(name).setErrorCode(ErrorCode.INVALID_TOPIC_EXCEPTION.code());
        }
        Optional<TopicImage> existing = metadata.current().topic(name);
        if (existing.isEmpty() && autoCreate) {
            try {
                if (GroupCoordinator.isOffsetsTopic(name)) {
                    groups.ensureOffsetsTopic(); // with the offsets topic's partitions and configs, as Kafka does
                } else if (TransactionCoordinator.isStateTopic(name)) {
                    txns.ensureStateTopic();
                } else {
                    topicCreation.create(topicCreation.validate(name, TopicCreation.DEFAULT,
                            (short) TopicCreation.DEFAULT, java.util.Map.of()));
                }
                log.info("auto-created topic '{}'", name);
            } catch (RuntimeException e) {
                // Another request may have created it meanwhile; the lookup below tells.
                log.debug("auto-creating '{}' failed: {}", name, e.getMessage());
            }
            existing = metadata.current().topic(name);
            if (existing.isEmpty()) {
                return new MetadataResponseTopic().setName(name).setErrorCode(ErrorCode.INVALID_TOPIC_EXCEPTION.code());
            }
        }
        return existing.map(this::describe).orElseGet(() -> new MetadataResponseTopic()
                .setName(name).setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code()));
    }

    private MetadataResponseTopic describe(TopicImage topic) {
        MetadataResponseTopic out = new MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(topic.id())
                .setIsInternal(topic.isInternal())
                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        MetadataImage image = metadata.current();
        // A broker cut off from its cluster's majority cannot know who leads now: it says no leader is
        // available, so clients ask another broker.
        boolean isolated = metadata.isolated();
        for (PartitionImage p : topic.partitions()) {
            boolean leaderAvailable = !isolated && p.leader() != PartitionImage.NO_LEADER
                    && image.brokers().containsKey(p.leader());
            out.partitions().add(new MetadataResponsePartition()
                    .setErrorCode(leaderAvailable ? ErrorCode.NONE.code() : ErrorCode.LEADER_NOT_AVAILABLE.code())
                    .setPartitionIndex(p.partition())
                    .setLeaderId(leaderAvailable ? p.leader() : PartitionImage.NO_LEADER)
                    .setLeaderEpoch(p.leaderEpoch())
                    .setReplicaNodes(new ArrayList<>(p.replicas()))
                    .setIsrNodes(new ArrayList<>(p.isr()))
                    .setOfflineReplicas(p.replicas().stream().filter(r -> !image.brokers().containsKey(r)).toList()));
        }
        return out;
    }

    DescribeClusterResponseData describeCluster(DescribeClusterRequestData request) {
        MetadataImage image = metadata.current();
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(image.clusterId())
                .setControllerId(image.controllerId())
                .setEndpointType(BROKER_ENDPOINTS)
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        if (request.endpointType() != BROKER_ENDPOINTS) {
            return response.setErrorCode(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("Weir brokers describe broker endpoints only (endpoint type 1)");
        }
        for (BrokerInfo b : image.brokers().values()) {
            response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                    .setBrokerId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack()));
        }
        return response;
    }
}
