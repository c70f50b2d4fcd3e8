package dev.weir.log.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;

/**
 * The metadata of a standalone broker (no {@code cluster.listen}): kept in memory and persisted in
 * an {@link ImageFile} before any change becomes visible. The broker list is not trusted from disk: it
 * holds this broker once {@link #registerBroker} is called.
 *
 * <p>Thread-safety: writes are serialized on this object; {@link #current()} is a volatile read.
 */
public final class LocalMetadataStore implements MetadataStore {
    public static final String FILE_NAME = ImageFile.FILE_NAME;

    private final ImageFile file;
    private final int nodeId;
    private final Predicate<TopicImage> uncleanElection;
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image;

    private LocalMetadataStore(ImageFile file, int nodeId, MetadataImage image) {
        this.file = file;
        this.nodeId = nodeId;
        this.image = image;
        this.uncleanElection = t -> false;
    }

    /** Loads the persisted image from {@code dir}, or starts an empty cluster with a new id. */
    public static LocalMetadataStore open(Path dir, int nodeId) {
        ImageFile file = new ImageFile(dir);
        MetadataImage loaded = file.read().orElse(null);
        if (loaded == null) {
            MetadataImage empty = MetadataImage.empty(Uuid.randomUuid().toString()).nextVersion(nodeId, 0);
            file.write(empty);
            return new LocalMetadataStore(file, nodeId, empty);
        }
        return new LocalMetadataStore(file, nodeId, loaded.withBrokers(Map.of()).nextVersion(nodeId, 0));
    }

    @Override
    public MetadataImage current() {
        return image;
    }

    @Override
    public synchronized void registerBroker(BrokerInfo broker) {
        MetadataImage next = MetadataChanges.registerBroker(image, broker, uncleanElection);
        next = MetadataChanges.reconcile(next, next.brokers().keySet(), false, uncleanElection);
        apply(next);
    }

    @Override
    public synchronized TopicImage createTopic(String name, int partitions, int replicationFactor,
                                               Map<String, String> configs) {
        apply(MetadataChanges.createTopic(image, name, Uuid.randomUuid(), partitions, replicationFactor, configs, 0));
        return image.topics().get(name);
    }

    @Override
    public synchronized void deleteTopic(String name) {
        apply(MetadataChanges.deleteTopic(image, name));
    }

    @Override
    public synchronized TopicImage createPartitions(String name, int totalPartitions) {
        apply(MetadataChanges.createPartitions(image, name, totalPartitions));
        return image.topics().get(name);
    }

    @Override
    public synchronized TopicImage setTopicConfigs(String name, Map<String, String> configs) {
        apply(MetadataChanges.setTopicConfigs(image, name, configs));
        return image.topics().get(name);
    }

    @Override
    public synchronized long allocateProducerIds(int count) {
        MetadataChanges.Result<Long> result = MetadataChanges.allocateProducerIds(image, count);
        apply(result.image());
        return result.value();
    }

    @Override
    public synchronized void alterPartition(TopicPartition partition, int leaderId, int leaderEpoch,
                                            int partitionEpoch, List<Integer> isr) {
        apply(MetadataChanges.alterPartition(image, partition, leaderId, leaderEpoch, partitionEpoch, isr));
    }

    @Override
    public synchronized void reassignPartition(TopicPartition partition, List<Integer> targetReplicas) {
        MetadataImage next = MetadataChanges.reassign(image, partition, targetReplicas);
        apply(MetadataChanges.reconcile(next, next.brokers().keySet(), false, uncleanElection));
    }

    @Override
    public synchronized Map<TopicPartition, Optional<ApiException>> electLeaders(boolean unclean,
                                                                              Set<TopicPartition> partitions) {
        MetadataChanges.Result<List<ElectionResult>> result = MetadataChanges.electLeaders(image, unclean, partitions);
        if (result.image() != image) {
            apply(MetadataChanges.reconcile(result.image(), image.brokers().keySet(), false, uncleanElection));
        }
        return ElectionResult.asMap(result.value());
    }

    @Override
    public void addListener(Consumer<MetadataImage> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }

    private void apply(MetadataImage changed) {
        MetadataImage next = changed.nextVersion(nodeId, 0);
        file.write(next);
        this.image = next;
        listeners.forEach(l -> l.accept(next));
    }
}
