package dev.weir.log.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * An immutable snapshot of cluster metadata. Every change produces a new image with a higher
 * {@code version}; readers take one image and answer a whole request from it.
 *
 * @param controllerId    node id of the controller that wrote this image (-1 if none yet)
 * @param controllerEpoch fence of that controller's lock; a write from a lower epoch is refused
 * @param brokers         the live, registered brokers
 * @param nextProducerId  first producer id not yet handed out
 */
public record MetadataImage(String clusterId, int controllerId, long controllerEpoch, Map<Integer, BrokerInfo> brokers,
                            Map<String, TopicImage> topics, long nextProducerId, long version) {
    public MetadataImage {
        brokers = Map.copyOf(brokers);
        topics = Map.copyOf(topics);
    }

    public static MetadataImage empty(String clusterId) {
        return new MetadataImage(clusterId, -1, 0, Map.of(), Map.of(), 0, 0);
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicImage> topic(Uuid id) {
        return topics.values().stream().filter(t -> t.id().equals(id)).findFirst();
    }

    public MetadataImage withTopic(TopicImage topic) {
        Map<String, TopicImage> next = new HashMap<>(topics);
        next.put(topic.name(), topic);
        return withTopics(next);
    }

    public MetadataImage withTopics(Map<String, TopicImage> next) {
        return new MetadataImage(clusterId, controllerId, controllerEpoch, brokers, next, nextProducerId, version);
    }

    public MetadataImage withBrokers(Map<Integer, BrokerInfo> next) {
        return new MetadataImage(clusterId, controllerId, controllerEpoch, next, topics, nextProducerId, version);
    }

    public MetadataImage withNextProducerId(long next) {
        return new MetadataImage(clusterId, controllerId, controllerEpoch, brokers, topics, next, version);
    }

    /** The image as written by {@code controller} at {@code epoch}, one version on. */
    public MetadataImage nextVersion(int controller, long epoch) {
        return new MetadataImage(clusterId, controller, epoch, brokers, topics, nextProducerId, version + 1);
    }
}
