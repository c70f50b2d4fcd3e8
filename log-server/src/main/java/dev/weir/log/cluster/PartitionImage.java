package dev.weir.log.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * One partition's placement: its replicas, leader (-1 when no in-sync replica is alive), the
 * leader's epoch and the in-sync replicas. {@code partitionEpoch} increases with every change so a
 * stale writer (an old leader shrinking the ISR) can be refused. During a reassignment
 * {@code replicas} holds old and new replicas together, {@code addingReplicas} the new ones not
 * yet caught up and {@code removingReplicas} the old ones that go once they have.
 */
public record PartitionImage(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                             int partitionEpoch, List<Integer> addingReplicas, List<Integer> removingReplicas) {
    public static final int NO_LEADER = -1;

    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }

    public PartitionImage(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                          int partitionEpoch) {
        this(partition, leader, leaderEpoch, replicas, isr, partitionEpoch, List.of(), List.of());
    }

    /** The replica that leads when all are in sync: the first one. */
    public int preferredLeader() {
        return replicas.get(0);
    }

    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replicas a finished reassignment keeps. */
    public List<Integer> targetReplicas() {
        List<Integer> target = new ArrayList<>(replicas);
        target.removeAll(removingReplicas);
        return target;
    }

    /** The replicas before the reassignment in progress (all replicas when none is): those not being added. */
    public List<Integer> originalReplicas() {
        List<Integer> original = new ArrayList<>(replicas);
        original.removeAll(addingReplicas);
        return original;
    }

    public PartitionImage withIsr(List<Integer> newIsr) {
        return new PartitionImage(partition, leader, leaderEpoch, replicas, newIsr, partitionEpoch + 1,
                addingReplicas, removingReplicas);
    }

    /** A new leader (or {@link #NO_LEADER}) starts a new leader epoch. */
    public PartitionImage withLeader(int newLeader, List<Integer> newIsr) {
        return new PartitionImage(partition, newLeader, leaderEpoch + 1, replicas, newIsr, partitionEpoch + 1,
                addingReplicas, removingReplicas);
    }

    public PartitionImage withReplicas(List<Integer> newReplicas, List<Integer> newIsr, List<Integer> adding,
                                       List<Integer> removing) {
        return new PartitionImage(partition, leader, leaderEpoch, newReplicas, newIsr, partitionEpoch + 1, adding,
                removing);
    }
}
