package dev.weir.streams.runtime;

import dev.weir.streams.internal.PartitionPlan;
import dev.weir.streams.TaskId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weir Streams' group assignor: it assigns whole tasks, never single partitions, so every partition of
 * a task (partition p of each source topic of one sub-topology) lands on the same stream thread. Each
 * member reports the tasks it owned; a task stays with its previous owner while that owner is below
 * its fair share ({@code ceil(tasks / members)}), and the rest go to the least-loaded members, so a
 * rebalance moves only the tasks it must (and a kept task keeps its open, restored stores).
 *
 * <p>Configured through the consumer's config map with the live {@link PartitionPlan} and the thread's
 * owned tasks (objects, not strings; kafka-clients hands the originals to {@link #configure}).
 */
public final class TaskAssignor implements ConsumerPartitionAssignor, Configurable {
    static final String PLAN = "weir.streams.internal.plan";
    static final String OWNED = "weir.streams.internal.owned.tasks";
    private static final Logger log = LoggerFactory.getLogger(TaskAssignor.class);

    private Supplier<PartitionPlan> plan;
    private Supplier<Set<TaskId>> owned;

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        this.plan = (Supplier<PartitionPlan>) configs.get(PLAN);
        this.owned = (Supplier<Set<TaskId>>) configs.get(OWNED);
        if (plan == null || owned == null) {
            throw new IllegalStateException("TaskAssignor is Weir Streams' internal assignor; it cannot be set"
                    + " as partition.assignment.strategy of a plain consumer");
        }
    }

    @Override
    public String name() {
        return "weir-streams";
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        StringBuilder sb = new StringBuilder();
        for (TaskId t : new TreeSet<>(owned.get())) {
            sb.append(sb.length() == 0 ? "" : ",").append(t);
        }
        return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        PartitionPlan p = plan.get();
        Map<String, Subscription> subs = new TreeMap<>(groupSubscription.groupSubscription());
        // Tasks from the cluster's view of the source topics.
        TreeMap<TaskId, List<TopicPartition>> tasks = new TreeMap<>();
        for (Map.Entry<String, Integer> e : p.topicToSubTopology().entrySet()) {
            Integer n = metadata.partitionCountForTopic(e.getKey());
            if (n == null) {
                log.warn("no metadata for source topic {} yet: its tasks are not assigned in this rebalance", e.getKey());
                continue;
            }
            for (int i = 0; i < n; i++) {
                tasks.computeIfAbsent(new TaskId(e.getValue(), i), t -> new ArrayList<>())
                        .add(new TopicPartition(e.getKey(), i));
            }
        }
        Map<String, Set<TaskId>> previous = new HashMap<>();
        Map<TaskId, String> previousOwner = new HashMap<>();
        for (Map.Entry<String, Subscription> e : subs.entrySet()) {
            Set<TaskId> had = parse(e.getValue().userData());
            previous.put(e.getKey(), had);
            for (TaskId t : had) {
                previousOwner.putIfAbsent(t, e.getKey());
            }
        }
        int members = subs.size();
        int target = (tasks.size() + members - 1) / Math.max(1, members);
        Map<String, List<TaskId>> assigned = new TreeMap<>();
        subs.keySet().forEach(m -> assigned.put(m, new ArrayList<>()));
        List<TaskId> unassigned = new ArrayList<>();
        for (TaskId t : tasks.keySet()) {
            String owner = previousOwner.get(t);
            if (owner != null && assigned.containsKey(owner) && assigned.get(owner).size() < target) {
                assigned.get(owner).add(t);
            } else {
                unassigned.add(t);
            }
        }
        for (TaskId t : unassigned) {
            String least = null;
            for (Map.Entry<String, List<TaskId>> e : assigned.entrySet()) {
                if (least == null || e.getValue().size() < assigned.get(least).size()) {
                    least = e.getKey();
                }
            }
            assigned.get(least).add(t);
        }
        Map<String, Assignment> out = new HashMap<>();
        int moved = 0;
        for (Map.Entry<String, List<TaskId>> e : assigned.entrySet()) {
            List<TopicPartition> parts = new ArrayList<>();
            for (TaskId t : e.getValue()) {
                parts.addAll(tasks.get(t));
                if (previousOwner.containsKey(t) && !previousOwner.get(t).equals(e.getKey())) {
                    moved++;
                }
            }
            out.put(e.getKey(), new Assignment(parts));
        }
        log.info("assigned {} tasks over {} members ({} moved from their previous owner): {}", tasks.size(), members,
                moved, assigned);
        return new GroupAssignment(out);
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
    }

    @Override
    public List<RebalanceProtocol> supportedProtocols() {
        return List.of(RebalanceProtocol.EAGER);
    }

    static Set<TaskId> parse(ByteBuffer data) {
        Set<TaskId> out = new LinkedHashSet<>();
        if (data == null || !data.hasRemaining()) {
            return out;
        }
        ByteBuffer b = data.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        for (String s : new String(bytes, StandardCharsets.UTF_8).split(",")) {
            if (!s.isBlank()) {
                out.add(TaskId.parse(s.trim()));
            }
        }
        return out;
    }
}
