package dev.weir.log.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;

/**
 * The source of truth for brokers, topics, partition placement and topic configs. Writes are
 * validated by the caller and applied atomically; when a write returns, {@link #current()} already
 * shows it; listeners see every new image in order. A standalone broker keeps it locally
 * ({@link LocalMetadataStore}); a cluster keeps it in Hazelcast's CP subsystem, written by the
 * controller ({@code cluster.hazelcast.HazelcastMetadataStore}).
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

    /**
     * A partition leader changes its ISR; refused (with Kafka's exception) if it no longer leads at
     * {@code leaderEpoch} or {@code partitionEpoch} is not the current one.
     */
    void alterPartition(TopicPartition partition, int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> isr);

    /**
     * Moves a partition to {@code targetReplicas} (KIP-455); null cancels a reassignment in progress. Returns
     * once the move has started; it completes when the new replicas have caught up.
     *
     * @throws org.apache.kafka.common.errors.InvalidReplicaAssignmentException  if a target broker is not live or named twice
     * @throws org.apache.kafka.common.errors.NoReassignmentInProgressException if there is nothing to cancel
     * @throws org.apache.kafka.common.errors.UnknownTopicOrPartitionException  if there is no such partition
     */
    void reassignPartition(TopicPartition partition, List<Integer> targetReplicas);

    /**
     * Elects leaders as an admin asks (ElectLeaders, KIP-460): the preferred replica, or with {@code unclean}
     * any live replica for partitions without a leader. Empty for an elected partition, else Kafka's reason
     * (ElectionNotNeeded, PreferredLeaderNotAvailable, EligibleLeadersNotAvailable, UnknownTopicOrPartition).
     *
     * @param partitions the partitions to elect for; null for all
     */
    Map<TopicPartition, Optional<ApiException>> electLeaders(boolean unclean, Set<TopicPartition> partitions);

    /**
     * True while this broker is cut off from the majority of its cluster: it then must not act as a
     * leader, because the majority may already have elected another.
     */
    default boolean isolated() {
        return false;
    }

    /** Called with every new image, in order, after the change is durable. */
    void addListener(Consumer<MetadataImage> listener);

    @Override
    void close();
}
