package dev.weir.streams.internal;

import dev.weir.streams.TaskId;
import dev.weir.streams.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * How many partitions (hence tasks) each sub-topology has, and how many each internal topic needs,
 * given the partition counts of the user's topics. A repartition topic gets the largest partition count
 * among the source topics of the sub-topology that writes it; a changelog gets its sub-topology's count.
 * A stateful sub-topology whose source topics differ in partition count is refused (its tasks could not
 * see all records of a key).
 *
 * @param sourceTopics  real source topic names per sub-topology (patterns resolved)
 * @param topicToSubTopology which sub-topology reads each real source topic
 */
public record PartitionPlan(Map<Integer, Integer> tasksPerSubTopology, Map<String, Integer> internalTopics,
                            Map<Integer, List<String>> sourceTopics, Map<String, Integer> topicToSubTopology,
                            Set<String> changelogTopics) {

    /**
     * @param partitionsOf partition count of an existing user topic, or null if it does not exist
     * @param allTopics    the names of existing topics (for pattern sources)
     */
    public static PartitionPlan of(Topology topology, String applicationId, Function<String, Integer> partitionsOf,
                                   Set<String> allTopics) {
        Map<Integer, List<String>> sources = new LinkedHashMap<>();
        Map<String, Integer> topicToSub = new HashMap<>();
        for (Topology.SubTopology s : topology.subTopologies()) {
            Set<String> topics = new LinkedHashSet<>();
            for (String t : s.sourceTopics()) {
                topics.add(topology.topicName(applicationId, t));
            }
            for (var p : s.sourcePatterns()) {
                // Never the broker's internal topics or this application's own internal topics.
                allTopics.stream().sorted().filter(t -> !t.startsWith("__") && !isInternal(t, applicationId, topology))
                        .filter(t -> p.matcher(t).matches()).forEach(topics::add);
            }
            sources.put(s.id(), List.copyOf(topics));
            topics.forEach(t -> topicToSub.put(t, s.id()));
        }
        Set<String> repartition = new LinkedHashSet<>();
        topology.repartitionTopics().forEach(t -> repartition.add(applicationId + "-" + t));
        Map<String, Integer> internal = new LinkedHashMap<>();
        Map<Integer, Integer> tasks = new LinkedHashMap<>();
        boolean progress = true;
        while (progress && tasks.size() < topology.subTopologies().size()) {
            progress = false;
            for (Topology.SubTopology s : topology.subTopologies()) {
                if (tasks.containsKey(s.id())) {
                    continue;
                }
                Map<String, Integer> counts = new LinkedHashMap<>();
                boolean known = true;
                for (String t : sources.get(s.id())) {
                    Integer n = repartition.contains(t) ? internal.get(t) : partitionsOf.apply(t);
                    if (n == null && !repartition.contains(t)) {
                        throw new IllegalStateException("source topic '" + t + "' does not exist: create it"
                                + " before starting the application");
                    }
                    if (n == null) {
                        known = false;
                        break;
                    }
                    counts.put(t, n);
                }
                if (!known) {
                    continue;
                }
                if (counts.isEmpty()) {
                    throw new IllegalStateException("sub-topology " + s.id() + " has no source topic (a pattern"
                            + " that matches no topic?): " + s.sourcePatterns());
                }
                if (!s.stores().isEmpty() && new LinkedHashSet<>(counts.values()).size() > 1) {
                    throw new IllegalStateException("topics " + counts + " are not co-partitioned: sub-topology "
                            + s.id() + " keeps state (" + s.stores() + ") and needs every source topic to have"
                            + " the same number of partitions; repartition one side or recreate the topics");
                }
                int n = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
                tasks.put(s.id(), n);
                for (String sink : s.sinkTopics()) {
                    String real = topology.topicName(applicationId, sink);
                    if (repartition.contains(real)) {
                        internal.merge(real, n, Math::max);
                    }
                }
                progress = true;
            }
        }
        if (tasks.size() < topology.subTopologies().size()) {
            throw new IllegalStateException("cannot size the repartition topics: a cycle between sub-topologies?");
        }
        Set<String> changelogs = new LinkedHashSet<>();
        for (Topology.SubTopology s : topology.subTopologies()) {
            for (String store : s.stores()) {
                String c = topology.stores().get(store).changelogTopic(applicationId);
                internal.put(c, tasks.get(s.id()));
                changelogs.add(c);
            }
        }
        return new PartitionPlan(Map.copyOf(tasks), internal, sources, topicToSub, changelogs);
    }

    private static boolean isInternal(String topic, String applicationId, Topology topology) {
        if (!topic.startsWith(applicationId + "-")) {
            return false;
        }
        String rest = topic.substring(applicationId.length() + 1);
        return topology.repartitionTopics().contains(rest)
                || (rest.endsWith("-changelog") && topology.stores().containsKey(rest.substring(0, rest.length() - 10)));
    }

    /** Every task id of the application, in order. */
    public List<TaskId> allTasks() {
        List<TaskId> all = new ArrayList<>();
        tasksPerSubTopology.keySet().stream().sorted().forEach(s -> {
            for (int p = 0; p < tasksPerSubTopology.get(s); p++) {
                all.add(new TaskId(s, p));
            }
        });
        return all;
    }
}
