package dev.weir.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.streams.serde.Serdes;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class TopologyTest {

    static Topology wordCount(boolean named) {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        if (named) {
            b.requireExplicitNames();
        }
        b.<String, String>stream("lines")
                .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
                .filterNot((k, w) -> w.isEmpty())
                .groupBy((k, w) -> w, named ? With.as("words") : With.none())
                .count(named ? With.as("word-counts") : With.none())
                .toStream()
                .to("counts", With.serdes(Serdes.string(), Serdes.longs()));
        return b.build();
    }

    @Test
    void keyChangeThenAggregationSplitsAtARepartitionTopic() {
        Topology t = wordCount(true);
        assertEquals(2, t.subTopologies().size(), t.describe());
        Topology.SubTopology first = t.subTopologies().get(0);
        Topology.SubTopology second = t.subTopologies().get(1);
        assertEquals(List.of("lines"), first.sourceTopics());
        assertEquals(List.of("words-repartition"), first.sinkTopics());
        assertEquals(List.of("words-repartition"), second.sourceTopics());
        assertEquals(List.of("word-counts"), second.stores());
        assertEquals(List.of("counts"), second.sinkTopics());
        assertEquals(java.util.Set.of("words-repartition"), t.repartitionTopics());
        assertEquals("app-words-repartition", t.topicName("app", "words-repartition"));
        assertEquals("app-word-counts-changelog", t.stores().get("word-counts").changelogTopic("app"));
        assertTrue(t.describe().contains("Sub-topology: 1"), t.describe());
    }

    @Test
    void valueOnlyOperationsDoNotRepartition() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("in").mapValues(String::length, "len").filter((k, v) -> v > 0)
                .groupByKey().count("n");
        Topology t = b.build();
        assertEquals(1, t.subTopologies().size());
        assertTrue(t.repartitionTopics().isEmpty());
    }

    @Test
    void unnamedRepartitionTopicTakesTheStoreName() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("in").selectKey((k, v) -> v).groupByKey().count("per-value");
        assertEquals(java.util.Set.of("per-value-repartition"), b.build().repartitionTopics());
    }

    @Test
    void requireExplicitNamesListsEveryUnnamedStatefulOperator() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string()).requireExplicitNames();
        b.table("accounts");
        b.<String, String>stream("in").selectKey((k, v) -> v).groupByKey().reduce((a, c) -> a + c);
        b.<String, String>stream("in2").groupByKey().count("fine");
        IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("3 stateful operator(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("table(accounts)"), e.getMessage());
        assertTrue(e.getMessage().contains("reduce() after a key change: repartition topic"), e.getMessage());
        assertTrue(e.getMessage().contains("reduce(): store"), e.getMessage());
        assertFalse(e.getMessage().contains("fine"), e.getMessage());
        wordCount(true); // fully named: builds
    }

    @Test
    void generatedNamesAreKafkaStyleAndNamesMustBeUnique() {
        Topology t = wordCount(false);
        assertTrue(t.describe().contains("KSTREAM-SOURCE-0000000000"), t.describe());
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        KStream<String, String> s = b.stream("in");
        s.filter((k, v) -> true, "x");
        assertThrows(IllegalArgumentException.class, () -> s.peek((k, v) -> { }, "x"));
    }

    @Test
    void splitMergeAndPerRecordSinksDescribeAsJson() throws Exception {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        Map<String, KStream<String, String>> branches = b.<String, String>stream("in")
                .split("s-")
                .branch("a", (k, v) -> v.startsWith("a"))
                .branch("b", (k, v) -> v.startsWith("b"))
                .defaultBranch("rest");
        assertEquals(List.of("s-a", "s-b", "s-rest"), List.copyOf(branches.keySet()));
        branches.get("s-a").merge(branches.get("s-b"), "ab").to((k, v) -> "out-" + v.charAt(0));
        branches.get("s-rest").to("rest");
        b.<String, String>table("t", With.as("tbl")).filter((k, v) -> true).mapValues(String::length).toStream()
                .to("lens", With.serdes(Serdes.string(), Serdes.integers()));
        Topology t = b.build();
        JsonNode json = new ObjectMapper().readTree(t.describeJson());
        assertEquals(2, json.get("subTopologies").size());
        assertEquals("tbl", json.get("stores").get(0).get("name").asText());
        assertEquals("tbl-changelog", json.get("stores").get(0).get("changelogTopic").asText());
        JsonNode firstNodes = json.get("subTopologies").get(0).get("nodes");
        assertEquals("source", firstNodes.get(0).get("type").asText());
        assertTrue(t.describe().contains("chosen per record"));
    }
}
