package dev.weir.log.replica;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.config.TopicConfigs;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogManager;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker hosts, kept in step with the metadata image: a partition assigned
 * here gets a log, a partition of a deleted (or deleted and re-created) topic loses its log, and
 * config changes reach the logs.
 *
 * <p>Thread-safety: {@link #onMetadata} is serialized; lookups read a concurrent map.
 */
public final class ReplicaManager {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int nodeId;
    private final LogManager logs;
    private final BrokerConfig broker;
    private final FetchPurgatory fetchPurgatory;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> appliedConfigs = new HashMap<>();

    public ReplicaManager(int nodeId, LogManager logs, BrokerConfig broker, FetchPurgatory fetchPurgatory) {
        this.nodeId = nodeId;
        this.logs = logs;
        this.broker = broker;
        this.fetchPurgatory = fetchPurgatory;
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public FetchPurgatory fetchPurgatory() {
        return fetchPurgatory;
    }

    public LogConfig logConfig(TopicImage topic) {
        return TopicConfigs.resolve(topic.configs(), broker).toLogConfig();
    }

    /** Brings hosted partitions in line with {@code image}. */
    public synchronized void onMetadata(MetadataImage image) {
        Map<TopicPartition, PartitionImage> wanted = new HashMap<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage p : topic.partitions()) {
                if (p.replicas().contains(nodeId)) {
                    wanted.put(new TopicPartition(topic.name(), p.partition()), p);
                }
            }
        }
        // Logs of topics that are gone (or were re-created under a new id) go first.
        for (TopicPartition tp : Map.copyOf(logs.all()).keySet()) {
            Optional<TopicImage> topic = image.topic(tp.topic());
            Partition hosted = partitions.get(tp);
            boolean replaced = hosted != null && topic.isPresent() && !hosted.topicId().equals(topic.get().id());
            if (!wanted.containsKey(tp) || replaced) {
                partitions.remove(tp);
                log.info("deleting log of {} (topic deleted or re-created)", tp);
                logs.delete(tp);
            }
        }
        for (TopicImage topic : image.topics().values()) {
            LogConfig config = logConfig(topic);
            boolean configChanged = !topic.configs().equals(appliedConfigs.get(topic.name()));
            for (PartitionImage p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                if (!wanted.containsKey(tp)) {
                    continue;
                }
                Partition existing = partitions.get(tp);
                if (existing == null) {
                    partitions.put(tp, new Partition(tp, topic.id(), logs.getOrCreate(tp, config), p.leaderEpoch()));
                } else {
                    existing.setLeaderEpoch(p.leaderEpoch());
                    if (configChanged) {
                        existing.log().updateConfig(config);
                    }
                }
            }
            appliedConfigs.put(topic.name(), topic.configs());
        }
        appliedConfigs.keySet().retainAll(image.topics().keySet());
    }

    /** After DeleteRecords moved the log start offset. */
    public void onLogStartMoved(Partition partition) {
        partition.refreshAfterTruncationOfHead();
        fetchPurgatory.onNewData(partition.topicPartition());
    }
}
