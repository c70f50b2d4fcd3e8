package dev.weir.log.cluster;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * An immutable snapshot of cluster metadata. Every change produces a new image with a higher
 * {@code version}; readers take one image and answer a whole request from it.
 */
public record MetadataImage(String clusterId, int controllerId, Map<Integer, BrokerInfo> brokers,
                            Map<String, TopicImage> topics, long version) {
    public MetadataImage {
        brokers = Map.copyOf(brokers);
        topics = Map.copyOf(topics);
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicImage> topic(Uuid id) {
        return topics.values().stream().filter(t -> t.id().equals(id)).findFirst();
    }
}
