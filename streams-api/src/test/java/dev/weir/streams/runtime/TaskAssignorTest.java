package dev.weir.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.Topology;
import dev.weir.streams.With;
import dev.weir.streams.internal.PartitionPlan;
import dev.weir.streams.TaskId;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.test.StreamsTestDriverTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class TaskAssignorTest {
    private static final Node NODE = new Node(0, "localhost", 9092);

    private static Cluster cluster(Map<String, Integer> topics) {
        List<PartitionInfo> parts = new ArrayList<>();
        topics.forEach((t, n) -> {
            for (int i = 0; i < n; i++) {
                parts.add(new PartitionInfo(t, i, NODE, new Node[] {NODE}, new Node[] {NODE}));
            }
        });
        return new Cluster("c", List.of(NODE), parts, Set.of(), Set.of());
    }

    private static TaskAssignor assignor(PartitionPlan plan) {
        TaskAssignor a = new TaskAssignor();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(TaskAssignor.PLAN, (Supplier<PartitionPlan>) () -> plan);
        cfg.put(TaskAssignor.OWNED, (Supplier<Set<TaskId>>) Set::of);
        a.configure(cfg);
        return a;
    }

    private static Subscription member(List<String> topics, String owned) {
        return new Subscription(topics, ByteBuffer.wrap(owned.getBytes(StandardCharsets.UTF_8)));
    }

    private static Map<String, Set<TaskId>> tasksOf(Map<String, List<TopicPartition>> assignment, PartitionPlan plan) {
        Map<String, Set<TaskId>> out = new HashMap<>();
        assignment.forEach((m, tps) -> {
            Set<TaskId> s = new HashSet<>();
            tps.forEach(tp -> s.add(new TaskId(plan.topicToSubTopology().get(tp.topic()), tp.partition())));
            out.put(m, s);
        });
        return out;
    }

    @Test
    void wholeTasksBalancedAndStickyWhenAMemberJoins() {
        Topology t = StreamsTestDriverTest.wordCount();
        Map<String, Integer> topics = Map.of("lines", 4, "app-words-repartition", 4);
        PartitionPlan plan = PartitionPlan.of(t, "app", topics::get, topics.keySet());
        TaskAssignor a = assignor(plan);
        List<String> subscribed = List.copyOf(topics.keySet());
        // m1 owned all 8 tasks; m2 joins: m1 keeps 4 of its own, m2 gets the other 4, nothing else moves.
        Map<String, Subscription> subs = new HashMap<>();
        subs.put("m1", member(subscribed, "0_0,0_1,0_2,0_3,1_0,1_1,1_2,1_3"));
        subs.put("m2", member(subscribed, ""));
        Map<String, List<TopicPartition>> out = new HashMap<>();
        a.assign(cluster(topics), new GroupSubscription(subs)).groupAssignment()
                .forEach((m, as) -> out.put(m, as.partitions()));
        Map<String, Set<TaskId>> tasks = tasksOf(out, plan);
        assertEquals(4, tasks.get("m1").size());
        assertEquals(4, tasks.get("m2").size());
        assertEquals(8, out.get("m1").size() + out.get("m2").size());
        // m2 leaves again, then m3 joins with m1's current tasks known: m1 keeps exactly what it had.
        Set<TaskId> m1Had = tasks.get("m1");
        StringBuilder owned = new StringBuilder();
        m1Had.forEach(x -> owned.append(owned.length() == 0 ? "" : ",").append(x));
        subs = new HashMap<>();
        subs.put("m1", member(subscribed, owned.toString()));
        subs.put("m3", member(subscribed, ""));
        out.clear();
        a.assign(cluster(topics), new GroupSubscription(subs)).groupAssignment()
                .forEach((m, as) -> out.put(m, as.partitions()));
        assertEquals(m1Had, tasksOf(out, plan).get("m1"));
    }

    @Test
    void partitionsOfOneTaskStayTogether() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("a").merge(b.stream("b")).groupByKey().count(With.as("n"));
        Topology t = b.build();
        Map<String, Integer> topics = Map.of("a", 3, "b", 3);
        PartitionPlan plan = PartitionPlan.of(t, "app", topics::get, topics.keySet());
        Map<String, Subscription> subs = new HashMap<>();
        for (String m : List.of("m1", "m2", "m3", "m4", "m5")) {
            subs.put(m, member(List.of("a", "b"), ""));
        }
        assignor(plan).assign(cluster(topics), new GroupSubscription(subs)).groupAssignment().forEach((m, as) -> {
            Set<Integer> partitions = new HashSet<>();
            as.partitions().forEach(tp -> partitions.add(tp.partition()));
            assertEquals(as.partitions().size(), 2 * partitions.size(), m + " got half a task: " + as.partitions());
        });
    }

    @Test
    void statefulSubTopologiesNeedCoPartitionedSources() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("a").merge(b.stream("b")).groupByKey().count(With.as("n"));
        Topology t = b.build();
        Map<String, Integer> topics = Map.of("a", 3, "b", 4);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PartitionPlan.of(t, "app", topics::get, topics.keySet()));
        assertTrue(e.getMessage().contains("{a=3, b=4}") || e.getMessage().contains("{b=4, a=3}"), e.getMessage());
        assertTrue(e.getMessage().contains("not co-partitioned"), e.getMessage());
        // A stateless merge of differently sized topics is fine: as many tasks as the larger topic.
        StreamsBuilder s = new StreamsBuilder(Serdes.string(), Serdes.string());
        s.<String, String>stream("a").merge(s.stream("b")).to("out");
        assertEquals(Map.of(0, 4), PartitionPlan.of(s.build(), "app", topics::get, topics.keySet()).tasksPerSubTopology());
    }

    @Test
    void missingSourceTopicIsNamed() {
        Topology t = StreamsTestDriverTest.wordCount();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PartitionPlan.of(t, "app", x -> null, Set.of()));
        assertTrue(e.getMessage().contains("'lines' does not exist"), e.getMessage());
    }

    @Test
    void patternSourcesSkipInternalTopics() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream(java.util.regex.Pattern.compile(".*"), With.none()).groupByKey().count(With.as("n"));
        Topology t = b.build();
        Map<String, Integer> topics = Map.of("orders", 2, "refunds", 2, "__consumer_offsets", 50, "app-n-changelog", 2);
        PartitionPlan plan = PartitionPlan.of(t, "app", topics::get, topics.keySet());
        assertEquals(List.of("orders", "refunds"), plan.sourceTopics().get(0));
    }
}
