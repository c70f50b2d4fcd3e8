package dev.weir.log.group;

import dev.weir.log.config.BrokerConfig;

/**
 * The group coordinator's settings, read once from the broker config under Kafka's names.
 *
 * @param initialRebalanceDelayMs         {@code group.initial.rebalance.delay.ms}
 * @param minSessionTimeoutMs             {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs             {@code group.max.session.timeout.ms}
 * @param maxSize                         {@code group.max.size}
 * @param offsetsTopicPartitions          {@code offsets.topic.num.partitions}
 * @param offsetsTopicReplicationFactor   {@code offsets.topic.replication.factor}
 * @param offsetsRetentionMs              {@code offsets.retention.minutes}, in milliseconds
 * @param offsetsRetentionCheckIntervalMs {@code offsets.retention.check.interval.ms}
 * @param offsetMetadataMaxBytes          {@code offset.metadata.max.bytes}
 * @param offsetCommitTimeoutMs           {@code offsets.commit.timeout.ms}: how long a write to {@code __consumer_offsets}
 *                                        waits for the partition's ISR (Kafka's default; not a broker setting yet)
 */
public record GroupConfig(int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs, int maxSize,
                          int offsetsTopicPartitions, int offsetsTopicReplicationFactor, long offsetsRetentionMs,
                          long offsetsRetentionCheckIntervalMs, int offsetMetadataMaxBytes,
                          long offsetCommitTimeoutMs) {
    /** Kafka's {@code offsets.commit.timeout.ms} default. */
    public static final long OFFSETS_COMMIT_TIMEOUT_MS = 5_000;

    public static GroupConfig from(BrokerConfig broker) {
        return new GroupConfig(
                broker.getInt("group.initial.rebalance.delay.ms"),
                broker.getInt("group.min.session.timeout.ms"),
                broker.getInt("group.max.session.timeout.ms"),
                broker.getInt("group.max.size"),
                broker.getInt("offsets.topic.num.partitions"),
                // A standalone broker, or a cluster smaller than the factor, gets what its size allows.
                Math.min(broker.getInt("offsets.topic.replication.factor"),
                        broker.getString("cluster.listen").isBlank() ? 1 : Math.max(1, broker.getList("cluster.members").size())),
                broker.getInt("offsets.retention.minutes") * 60_000L,
                broker.getLong("offsets.retention.check.interval.ms"),
                broker.getInt("offset.metadata.max.bytes"),
                OFFSETS_COMMIT_TIMEOUT_MS);
    }
}
