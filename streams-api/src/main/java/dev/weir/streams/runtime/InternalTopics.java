package dev.weir.streams.runtime;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.internal.PartitionPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sizes the application's tasks from its source topics and creates (or checks) its internal topics:
 * repartition topics ({@code cleanup.policy=delete}) and changelogs ({@code cleanup.policy=compact}),
 * each with the partition count the {@link PartitionPlan} gives. An existing internal topic with another
 * partition count stops the start with an error naming it, as its data would be mis-partitioned.
 */
final class InternalTopics {
    private static final Logger log = LoggerFactory.getLogger(InternalTopics.class);

    private InternalTopics() {
    }

    static PartitionPlan prepare(Admin admin, Topology topology, StreamsConfig cfg) {
        String app = cfg.applicationId();
        try {
            Set<String> existing = new HashSet<>(admin.listTopics().names().get());
            Set<String> wanted = new HashSet<>();
            for (Topology.SubTopology s : topology.subTopologies()) {
                for (String t : s.sourceTopics()) {
                    if (!topology.repartitionTopics().contains(t) && existing.contains(t)) {
                        wanted.add(t);
                    }
                }
                s.sourcePatterns().forEach(p -> existing.stream().filter(t -> p.matcher(t).matches()).forEach(wanted::add));
            }
            Map<String, Integer> counts = partitionCounts(admin, wanted);
            PartitionPlan plan = PartitionPlan.of(topology, app, counts::get, existing);
            List<NewTopic> create = new ArrayList<>();
            Map<String, Integer> check = new HashMap<>();
            for (Map.Entry<String, Integer> e : plan.internalTopics().entrySet()) {
                if (existing.contains(e.getKey())) {
                    check.put(e.getKey(), e.getValue());
                } else {
                    Optional<Short> rf = cfg.replicationFactor() < 1 ? Optional.empty() : Optional.of(cfg.replicationFactor());
                    NewTopic t = new NewTopic(e.getKey(), Optional.of(e.getValue()), rf);
                    t.configs(plan.changelogTopics().contains(e.getKey())
                            ? Map.of("cleanup.policy", "compact")
                            : Map.of("cleanup.policy", "delete"));
                    create.add(t);
                }
            }
            for (NewTopic t : create) {
                try {
                    admin.createTopics(List.of(t)).all().get();
                    log.info("created internal topic {} with {} partitions", t.name(), t.numPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    check.put(t.name(), t.numPartitions()); // another instance created it first
                }
            }
            Map<String, Integer> actual = partitionCounts(admin, check.keySet());
            for (Map.Entry<String, Integer> e : check.entrySet()) {
                if (!e.getValue().equals(actual.get(e.getKey()))) {
                    throw new IllegalStateException("internal topic " + e.getKey() + " has " + actual.get(e.getKey())
                            + " partitions but the topology needs " + e.getValue() + " (from its source topics):"
                            + " delete the application's internal topics and local state to reset it, or restore"
                            + " the source topics' partition counts");
                }
            }
            return plan;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing internal topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot prepare the internal topics of " + app + ": " + e.getCause(), e);
        }
    }

    private static Map<String, Integer> partitionCounts(Admin admin, Set<String> topics)
            throws InterruptedException, ExecutionException {
        Map<String, Integer> counts = new HashMap<>();
        if (topics.isEmpty()) {
            return counts;
        }
        for (Map.Entry<String, TopicDescription> e : admin.describeTopics(topics).allTopicNames().get().entrySet()) {
            counts.put(e.getKey(), e.getValue().partitions().size());
        }
        return counts;
    }
}
