package dev.weir.log.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.IneligibleReplicaException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
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
        PartitionImage p = partitionOf(topic, tp);
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

    /**
     * Starts moving a partition to {@code target} replicas (KIP-455), or with null cancels a running move.
     * While moving, {@code replicas} is the target followed by the original replicas that go, with
     * {@code addingReplicas} (target minus original) and {@code removingReplicas} (original minus target);
     * {@link #reconcile} completes the move once every adding replica is in the ISR. A new target for a
     * partition already moving replaces the old one and starts from the original replicas again. Target
     * brokers must be distinct live brokers.
     *
     * @throws InvalidReplicaAssignmentException for an empty target, a broker named twice or one not live,
     *                                           or a cancel that would leave no in-sync replica
     * @throws NoReassignmentInProgressException for a cancel with nothing to cancel
     */
    public static MetadataImage reassign(MetadataImage image, TopicPartition tp, List<Integer> target) {
        TopicImage topic = existing(image, tp.topic());
        PartitionImage p = partitionOf(topic, tp);
        List<Integer> original = p.originalReplicas();
        if (target == null) {
            if (!p.isReassigning()) {
                throw new NoReassignmentInProgressException("no reassignment of " + tp + " is in progress to cancel");
            }
            return replacePartition(image, topic, moveTo(p, original, List.of(), List.of(), image.brokers().keySet(),
                    "cancel the reassignment of " + tp));
        }
        if (target.isEmpty()) {
            throw new InvalidReplicaAssignmentException("the new replicas of " + tp + " are empty: name at least one broker");
        }
        if (target.stream().distinct().count() != target.size()) {
            throw new InvalidReplicaAssignmentException("the new replicas " + target + " of " + tp
                    + " name a broker more than once");
        }
        for (int b : target) {
            if (!image.brokers().containsKey(b)) {
                throw new InvalidReplicaAssignmentException("broker " + b + " in the new replicas " + target + " of "
                        + tp + " is not a live broker (live: " + new TreeSet<>(image.brokers().keySet()) + ")");
            }
        }
        if (!p.isReassigning() && p.replicas().equals(target)) {
            return image; // already there: nothing to do, as in Kafka
        }
        List<Integer> replicas = new ArrayList<>(target);
        original.stream().filter(r -> !target.contains(r)).forEach(replicas::add);
        List<Integer> adding = target.stream().filter(r -> !original.contains(r)).toList();
        List<Integer> removing = original.stream().filter(r -> !target.contains(r)).toList();
        return replacePartition(image, topic, moveTo(p, replicas, adding, removing, image.brokers().keySet(),
                "reassign " + tp + " to " + target));
    }

    /**
     * The partition with new replicas. Brokers that are no longer replicas (adding replicas of a replaced
     * or cancelled move) leave the ISR; if the leader was one of them, another in-sync replica leads.
     */
    private static PartitionImage moveTo(PartitionImage p, List<Integer> replicas, List<Integer> adding,
                                         List<Integer> removing, Set<Integer> live, String what) {
        List<Integer> isr = new ArrayList<>(p.isr());
        isr.retainAll(replicas);
        if (isr.isEmpty()) {
            // Only brokers on their way in are in sync; going back to the others would be an unclean election.
            throw new InvalidReplicaAssignmentException("cannot " + what + ": none of the replicas " + replicas
                    + " is in sync (ISR " + p.isr() + "), so it would lose records");
        }
        PartitionImage next = p.withReplicas(replicas, isr, adding, removing);
        if (!replicas.contains(next.leader())) {
            next = next.withLeader(electLeader(next, isr, live, false), isr);
        }
        return next;
    }

    /**
     * Elects leaders as an admin asks (ElectLeaders, KIP-460) for {@code partitions}, or for every partition
     * when null. PREFERRED makes the first replica the leader if it is live and in sync. UNCLEAN gives a
     * partition without a leader its first live in-sync replica or, failing that, its first live replica,
     * whatever the topic's {@code unclean.leader.election.enable} (the admin asked for it explicitly); an
     * out-of-sync leader becomes the whole ISR, and records only the lost replicas had are gone. Every
     * elected leader starts a new leader epoch.
     *
     * @return one result per partition (in topic and partition order when {@code partitions} is null), and
     * the same image instance when no partition changed
     */
    public static Result<List<ElectionResult>> electLeaders(MetadataImage image, boolean unclean,
                                                            Collection<TopicPartition> partitions) {
        Collection<TopicPartition> targets = partitions != null ? partitions : image.topics().values().stream()
                .flatMap(t -> t.partitions().stream().map(p -> new TopicPartition(t.name(), p.partition())))
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .toList();
        Set<Integer> live = image.brokers().keySet();
        List<ElectionResult> results = new ArrayList<>();
        MetadataImage next = image;
        for (TopicPartition tp : targets) {
            TopicImage topic = next.topics().get(tp.topic());
            if (topic == null || tp.partition() < 0 || tp.partition() >= topic.partitions().size()) {
                results.add(ElectionResult.failed(tp, ElectionResult.Failure.UNKNOWN_TOPIC_OR_PARTITION,
                        topic == null ? "topic '" + tp.topic() + "' does not exist"
                                : "topic '" + tp.topic() + "' has no partition " + tp.partition()));
                continue;
            }
            PartitionImage p = topic.partitions().get(tp.partition());
            PartitionImage elected;
            if (!unclean) {
                int preferred = p.preferredLeader();
                if (p.leader() == preferred) {
                    results.add(ElectionResult.failed(tp, ElectionResult.Failure.ELECTION_NOT_NEEDED,
                            "the preferred replica " + preferred + " already leads " + tp));
                    continue;
                }
                if (!live.contains(preferred) || !p.isr().contains(preferred)) {
                    results.add(ElectionResult.failed(tp, ElectionResult.Failure.PREFERRED_LEADER_NOT_AVAILABLE,
                            "the preferred replica " + preferred + " of " + tp + " is "
                                    + (live.contains(preferred) ? "not in sync (ISR " + p.isr() + ")" : "not a live broker")));
                    continue;
                }
                elected = p.withLeader(preferred, p.isr());
            } else {
                if (p.leader() != PartitionImage.NO_LEADER) {
                    results.add(ElectionResult.failed(tp, ElectionResult.Failure.ELECTION_NOT_NEEDED,
                            tp + " has a leader (broker " + p.leader() + ")"));
                    continue;
                }
                int leader = electLeader(p, p.isr(), live, true);
                if (leader == PartitionImage.NO_LEADER) {
                    results.add(ElectionResult.failed(tp, ElectionResult.Failure.ELIGIBLE_LEADERS_NOT_AVAILABLE,
                            "no replica of " + tp + " " + p.replicas() + " is a live broker"));
                    continue;
                }
                elected = p.withLeader(leader, p.isr().contains(leader) ? p.isr() : List.of(leader));
            }
            next = replacePartition(next, topic, elected);
            results.add(ElectionResult.elected(tp));
        }
        return new Result<>(next, results);
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

    private static PartitionImage partitionOf(TopicImage topic, TopicPartition tp) {
        if (tp.partition() < 0 || tp.partition() >= topic.partitions().size()) {
            throw new UnknownTopicOrPartitionException("topic '" + tp.topic() + "' has no partition " + tp.partition());
        }
        return topic.partitions().get(tp.partition());
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
