package dev.weir.log.cluster;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The source of truth for topics, partition placement and topic configs. Writes are validated by
 * the caller and applied atomically; listeners see every new image in order. A single broker keeps
 * it locally ({@link LocalMetadataStore}); a cluster will keep it in Hazelcast's CP subsystem.
 */
public interface MetadataStore extends AutoCloseable {
    MetadataImage current();

    /** Announces this broker's client endpoint; called once its listener is bound. */
    void registerBroker(BrokerInfo broker);

    /** @throws org.apache.kafka.common.errors.TopicExistsException if the name is taken */
    TopicImage createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs);

    /** @throws org.apache.kafka.common.errors.UnknownTopicOrPartitionException if there is no such topic */
    void deleteTopic(String name);

    /** Grows a topic to {@code totalPartitions}. */
    TopicImage createPartitions(String name, int totalPartitions);

    /** Replaces a topic's config overrides. */
    TopicImage setTopicConfigs(String name, Map<String, String> configs);

    /** Reserves {@code count} producer ids and returns the first; never returns an id twice, across restarts too. */
    long allocateProducerIds(int count);

    /** Called with every new image, in order, after the change is durable. */
    void addListener(Consumer<MetadataImage> listener);

    @Override
    void close();
}
