package dev.weir.log.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.IneligibleReplicaException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Every change to the metadata image, as pure functions from one image to the next. The single-broker
 * store and the cluster controller both apply these, so placement and leader election behave the same
 * everywhere. Versions and the controller epoch are stamped by the store that commits the result.
 *
 * <p>Partition leadership follows Kafka's rules: a leader comes from the in-sync replicas of live
 * brokers, in replica order (the first replica is the preferred leader); if none is left the partition
 * goes offline ({@link PartitionImage#NO_LEADER}) unless unclean election is allowed for its topic; a
 * new leader starts a new leader epoch; every change bumps the partition epoch.
 */
public final class MetadataChanges {
    private MetadataChanges() {
    }

    /** A change's new image and what it answers the caller. */
    public record Result<T>(MetadataImage image, T value) {}

    public static MetadataImage createTopic(MetadataImage image, String name, Uuid id, int partitions,
                                            int replicationFactor, Map<String, String> configs, long seed) {
        if (image.topics().containsKey(name)) {
            throw new TopicExistsException("topic '" + name + "' already exists");
        }
        if (partitions < 1) {
            throw new InvalidPartitionsException("a topic needs at least one partition, not " + partitions);
        }
        Map<Integer, Integer> leaderCounts = new HashMap<>();
        image.topics().values().forEach(t -> t.partitions().forEach(p -> leaderCounts.merge(p.leader(), 1, Integer::sum)));
        List<List<Integer>> assignment = ReplicaPlacement.assignNewTopic(slots(image), partitions, replicationFactor,
                leaderCounts, seed);
        List<PartitionImage> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<Integer> replicas = assignment.get(p);
            parts.add(new PartitionImage(p, replicas.get(0), 0, replicas, replicas, 0));
        }
        return image.withTopic(new TopicImage(name, id, parts, configs));
    }

    public static MetadataImage deleteTopic(MetadataImage image, String name) {
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        if (topics.remove(name) == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        return image.withTopics(topics);
    }

    public static MetadataImage createPartitions(MetadataImage image, String name, int totalPartitions) {
        TopicImage topic = existing(image, name);
        int current = topic.partitions().size();
        if (totalPartitions <= current) {
            throw new InvalidPartitionsException("topic '" + name + "' has " + current
                    + " partitions; the new count must be larger, not " + totalPartitions);
        }
        List<List<Integer>> existing = topic.partitions().stream().map(PartitionImage::targetReplicas).toList();
        List<List<Integer>> assignment = ReplicaPlacement.assignAddedPartitions(slots(image), existing,
                totalPartitions - current);
        List<PartitionImage> parts = new ArrayList<>(topic.partitions());
        for (int i = 0; i < assignment.size(); i++) {
            List<Integer> replicas = assignment.get(i);
            parts.add(new PartitionImage(current + i, replicas.get(0), 0, replicas, replicas, 0));
        }
        return image.withTopic(new TopicImage(name, topic.id(), parts, topic.configs()));
    }

    public static MetadataImage setTopicConfigs(MetadataImage image, String name, Map<String, String> configs) {
        TopicImage topic = existing(image, name);
        return image.withTopic(new TopicImage(name, topic.id(), topic.partitions(), configs));
    }

    /** Reserves {@code count} producer ids; the value is the first. */
    public static Result<Long> allocateProducerIds(MetadataImage image, int count) {
        long first = image.nextProducerId();
        return new Result<>(image.withNextProducerId(first + count), first);
    }

    /**
     * Adds or updates a broker. A known broker with another incarnation restarted before its death was
     * noticed: it is first treated as lost, so it rejoins as a follower that must catch up.
     */
    public static MetadataImage registerBroker(MetadataImage image, BrokerInfo broker, Predicate<TopicImage> unclean) {
        BrokerInfo known = image.brokers().get(broker.nodeId());
        MetadataImage base = image;
        if (known != null && known.incarnation() != null && !known.incarnation().equals(broker.incarnation())) {
            base = brokerLost(image, broker.nodeId(), unclean);
        }
        Map<Integer, BrokerInfo> brokers = new HashMap<>(base.brokers());
        brokers.put(broker.nodeId(), broker);
        return base.withBrokers(brokers);
    }

    /** A broker died or left: it leaves every ISR it can leave and loses its leaderships. */
    public static MetadataImage brokerLost(MetadataImage image, int nodeId, Predicate<TopicImage> unclean) {
        Map<Integer, BrokerInfo> brokers = new HashMap<>(image.brokers());
        brokers.remove(nodeId);
        Set<Integer> live = brokers.keySet();
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        for (TopicImage topic : image.topics().values()) {
            List<PartitionImage> parts = new ArrayList<>();
            boolean changed = false;
            for (PartitionImage p : topic.partitions()) {
                PartitionImage next = p;
                if (p.replicas().contains(nodeId)) {
                    List<Integer> isr = new ArrayList<>(p.isr());
                    // The last in-sync replica stays in the ISR: it is the only one that may lead again cleanly.
                    if (isr.size() > 1) {
                        isr.remove(Integer.valueOf(nodeId));
                    }
                    if (p.leader() == nodeId) {
                        next = p.withLeader(electLeader(p, isr, live, unclean.test(topic)), isr);
                        if (next.leader() != PartitionImage.NO_LEADER && !isr.contains(next.leader())) {
                            next = next.withIsr(List.of(next.leader())); // unclean: the new leader is the whole ISR
                        }
                    } else if (!isr.equals(p.isr())) {
                        next = p.withIsr(isr);
                    }
                }
                changed |= next != p;
                parts.add(next);
            }
            if (changed) {
                topics.put(topic.name(), new TopicImage(topic.name(), topic.id(), parts, topic.configs()));
            }
        }
        return new MetadataImage(image.clusterId(), image.controllerId(), image.controllerEpoch(), brokers, topics,
                image.nextProducerId(), image.version());
    }

    /**
     * A leader's request to change the ISR of its partition. It must still lead at the epoch it names and
     * have seen the current partition epoch, so a deposed leader cannot change anything; brokers joining
     * the ISR must be live replicas.
     */
    public static MetadataImage alterPartition(MetadataImage image, TopicPartition tp, int leaderId, int leaderEpoch,
                                               int partitionEpoch, List<Integer> newIsr) {
        TopicImage topic = existing(image, tp.topic());
        if (tp.partition() < 0 || tp.partition() >= topic.partitions().size()) {
            throw new UnknownTopicOrPartitionException("topic '" + tp.topic() + "' has no partition " + tp.partition());
        }
        PartitionImage p = topic.partitions().get(tp.partition());
        if (p.leader() != leaderId || p.leaderEpoch() != leaderEpoch) {
            throw new FencedLeaderEpochException("broker " + leaderId + " at leader epoch " + leaderEpoch
                    + " no longer leads " + tp + " (leader " + p.leader() + ", epoch " + p.leaderEpoch() + ")");
        }
        if (p.partitionEpoch() != partitionEpoch) {
            throw new InvalidUpdateVersionException("partition epoch " + partitionEpoch + " of " + tp
                    + " is stale; current is " + p.partitionEpoch());
        }
        if (!newIsr.contains(leaderId)) {
            throw new IneligibleReplicaException("the leader must stay in the ISR of " + tp);
        }
        for (int replica : newIsr) {
            if (!p.replicas().contains(replica)) {
                throw new IneligibleReplicaException("broker " + replica + " is not a replica of " + tp);
            }
            if (!p.isr().contains(replica) && !image.brokers().containsKey(replica)) {
                throw new IneligibleReplicaException("broker " + replica + " is not alive and cannot join the ISR of " + tp);
            }
        }
        return replacePartition(image, topic, p.withIsr(newIsr));
    }

    /**
     * Brings partitions in line with the live brokers: dead brokers are dropped, offline partitions get a
     * leader as soon as an in-sync replica returns, finished reassignments are completed, and (with
     * {@code autoRebalance}) leadership goes back to the preferred replica once it is in sync. Returns the
     * same instance when nothing changes.
     */
    public static MetadataImage reconcile(MetadataImage image, Set<Integer> liveNodes, boolean autoRebalance,
                                          Predicate<TopicImage> unclean) {
        MetadataImage next = image;
        for (int registered : image.brokers().keySet()) {
            if (!liveNodes.contains(registered)) {
                next = brokerLost(next, registered, unclean);
            }
        }
        Set<Integer> live = next.brokers().keySet();
        Map<String, TopicImage> topics = new HashMap<>(next.topics());
        boolean anyChange = false;
        for (TopicImage topic : next.topics().values()) {
            List<PartitionImage> parts = new ArrayList<>();
            boolean changed = false;
            for (PartitionImage p : topic.partitions()) {
                PartitionImage q = p;
                if (q.leader() == PartitionImage.NO_LEADER) {
                    int leader = electLeader(q, q.isr(), live, unclean.test(topic));
                    if (leader != PartitionImage.NO_LEADER) {
                        q = q.withLeader(leader, q.isr().contains(leader) ? q.isr() : List.of(leader));
                    }
                }
                if (q.isReassigning() && q.isr().containsAll(q.addingReplicas()) && q.leader() != PartitionImage.NO_LEADER) {
                    q = completeReassignment(q, live);
                }
                if (autoRebalance && !q.isReassigning() && q.leader() != q.preferredLeader()
                        && q.isr().contains(q.preferredLeader()) && live.contains(q.preferredLeader())) {
                    q = q.withLeader(q.preferredLeader(), q.isr());
                }
                changed |= q != p;
                parts.add(q);
            }
            if (changed) {
                anyChange = true;
                topics.put(topic.name(), new TopicImage(topic.name(), topic.id(), parts, topic.configs()));
            }
        }
        return anyChange ? next.withTopics(topics) : next;
    }

    /** Starts moving a partition to {@code target} replicas (or, with null, cancels a running move). */
    public static MetadataImage reassign(MetadataImage image, TopicPartition tp, List<Integer> target) {
        TopicImage topic = existing(image, tp.topic());
        if (tp.partition() < 0 || tp.partition() >= topic.partitions().size()) {
            throw new UnknownTopicOrPartitionException("topic '" + tp.topic() + "' has no partition " + tp.partition());
        }
        PartitionImage p = topic.partitions().get(tp.partition());
        if (target == null) {
            if (!p.isReassigning()) {
                throw new org.apache.kafka.common.errors.NoReassignmentInProgressException(
                        "no reassignment of " + tp + " is in progress");
            }
            List<Integer> original = new ArrayList<>(p.replicas());
            original.removeAll(p.addingReplicas());
            List<Integer> isr = new ArrayList<>(p.isr());
            isr.retainAll(original);
            PartitionImage back = p.withReplicas(original, isr.isEmpty() ? p.isr() : isr, List.of(), List.of());
            if (!original.contains(back.leader())) {
                back = back.withLeader(electLeader(back, back.isr(), image.brokers().keySet(), false), back.isr());
            }
            return replacePartition(image, topic, back);
        }
        if (target.isEmpty() || target.stream().distinct().count() != target.size()) {
            throw new InvalidReplicationFactorException("target replicas " + target + " of " + tp
                    + " must be distinct and at least one");
        }
        for (int b : target) {
            if (!image.brokers().containsKey(b)) {
                throw new org.apache.kafka.common.errors.InvalidReplicaAssignmentException(
                        "broker " + b + " in the new replicas of " + tp + " is not a live broker");
            }
        }
        List<Integer> original = p.targetReplicas();
        List<Integer> replicas = new ArrayList<>(target);
        for (int r : original) {
            if (!replicas.contains(r)) {
                replicas.add(r);
            }
        }
        List<Integer> adding = target.stream().filter(r -> !original.contains(r)).toList();
        List<Integer> removing = original.stream().filter(r -> !target.contains(r)).toList();
        return replacePartition(image, topic, p.withReplicas(replicas, p.isr(), adding, removing));
    }

    private static PartitionImage completeReassignment(PartitionImage p, Set<Integer> live) {
        List<Integer> replicas = p.targetReplicas();
        List<Integer> isr = new ArrayList<>(p.isr());
        isr.retainAll(replicas);
        PartitionImage done = p.withReplicas(replicas, isr, List.of(), List.of());
        if (!replicas.contains(done.leader())) {
            done = done.withLeader(electLeader(done, isr, live, false), isr);
        }
        return done;
    }

    private static int electLeader(PartitionImage p, List<Integer> isr, Set<Integer> live, boolean unclean) {
        for (int replica : p.replicas()) {
            if (isr.contains(replica) && live.contains(replica) && !p.removingReplicas().contains(replica)) {
                return replica;
            }
        }
        for (int replica : p.replicas()) {
            if (isr.contains(replica) && live.contains(replica)) {
                return replica;
            }
        }
        if (unclean) {
            for (int replica : p.replicas()) {
                if (live.contains(replica)) {
                    return replica;
                }
            }
        }
        return PartitionImage.NO_LEADER;
    }

    private static MetadataImage replacePartition(MetadataImage image, TopicImage topic, PartitionImage changed) {
        List<PartitionImage> parts = new ArrayList<>(topic.partitions());
        parts.set(changed.partition(), changed);
        return image.withTopic(new TopicImage(topic.name(), topic.id(), parts, topic.configs()));
    }

    private static TopicImage existing(MetadataImage image, String name) {
        TopicImage topic = image.topics().get(name);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        return topic;
    }

    private static List<ReplicaPlacement.BrokerSlot> slots(MetadataImage image) {
        return image.brokers().values().stream().map(b -> new ReplicaPlacement.BrokerSlot(b.nodeId(), b.rack())).toList();
    }
}
