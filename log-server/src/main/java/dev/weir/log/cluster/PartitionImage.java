package dev.weir.log.cluster;

import java.util.List;

/**
 * One partition's placement: its replicas, leader, the leader's epoch and the in-sync replicas.
 * {@code partitionEpoch} increases with every change so a stale writer can be refused.
 */
public record PartitionImage(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                             int partitionEpoch) {
    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
