package dev.weir.log.api;

import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.ReplicaManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Finds the partition a request names, with the error Kafka gives when it is not led here. */
final class PartitionLookup {
    private final MetadataStore metadata;
    private final ReplicaManager replicas;

    PartitionLookup(MetadataStore metadata, ReplicaManager replicas) {
        this.metadata = metadata;
        this.replicas = replicas;
    }

    /**
     * @throws UnknownTopicOrPartitionException if the topic or partition does not exist
     * @throws NotLeaderOrFollowerException if it exists but this broker does not lead it
     */
    Partition leader(String topic, int partition) {
        TopicImage image = metadata.current().topic(topic).orElseThrow(() ->
                new UnknownTopicOrPartitionException("topic '" + topic + "' does not exist"));
        if (partition < 0 || partition >= image.partitions().size()) {
            throw new UnknownTopicOrPartitionException("topic '" + topic + "' has no partition " + partition);
        }
        Partition led = replicas.partition(new TopicPartition(topic, partition))
                .filter(Partition::isLeader)
                .orElseThrow(() -> new NotLeaderOrFollowerException("this broker does not lead " + topic + "-" + partition));
        if (replicas.isolated()) {
            throw new NotLeaderOrFollowerException("this broker is cut off from the majority of its cluster and "
                    + "cannot act as leader of " + topic + "-" + partition);
        }
        return led;
    }

    ReplicaManager replicas() {
        return replicas;
    }
}
