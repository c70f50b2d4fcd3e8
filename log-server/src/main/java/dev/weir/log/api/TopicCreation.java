package dev.weir.log.api;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.common.config.ConfigException;
import dev.weir.log.config.TopicConfigs;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Validates and creates topics, for CreateTopics and for auto-creation on Metadata. */
final class TopicCreation {
    /** Kafka's sentinel for "use the broker default". */
    static final int DEFAULT = -1;

    private final MetadataStore metadata;
    private final BrokerConfig broker;

    TopicCreation(MetadataStore metadata, BrokerConfig broker) {
        this.metadata = metadata;
        this.broker = broker;
    }

    record Plan(String name, int partitions, short replicationFactor, Map<String, String> configs) {}

    /** Checks a request to create a topic; throws the Kafka exception that names the problem. */
    Plan validate(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        TopicNames.validate(name);
        MetadataImage image = metadata.current();
        if (image.topics().containsKey(name)) {
            throw new TopicExistsException("topic '" + name + "' already exists");
        }
        String key = TopicNames.collisionKey(name);
        image.topics().keySet().stream()
                .filter(existing -> TopicNames.collisionKey(existing).equals(key))
                .findFirst()
                .ifPresent(existing -> {
                    throw new InvalidTopicException("topic '" + name + "' collides with existing topic '" + existing
                            + "': '.' and '_' may not be the only difference");
                });
        int p = partitions == DEFAULT ? broker.getInt("num.partitions") : partitions;
        if (p < 1) {
            throw new InvalidPartitionsException("number of partitions must be at least 1, not " + partitions);
        }
        int rf = replicationFactor == DEFAULT ? broker.getInt("default.replication.factor") : replicationFactor;
        int brokers = image.brokers().size();
        if (rf < 1 || rf > brokers) {
            throw new InvalidReplicationFactorException("replication factor " + rf + " is not possible with "
                    + brokers + " broker(s); use a value from 1 to " + brokers);
        }
        try {
            TopicConfigs.validate(configs);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
        return new Plan(name, p, (short) rf, configs);
    }

    TopicImage create(Plan plan) {
        return metadata.createTopic(plan.name(), plan.partitions(), plan.replicationFactor(), plan.configs());
    }
}
