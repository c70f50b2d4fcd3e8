package dev.weir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** group-join's completion rule, statistics and options; no broker needed. */
@Tag("fast")
class GroupJoinBenchmarkTest {

    private static Set<TopicPartition> partitions(int from, int to) {
        Set<TopicPartition> s = new HashSet<>();
        for (int p = from; p < to; p++) {
            s.add(new TopicPartition("t", p));
        }
        return s;
    }

    @Test
    void completeOnlyWhenEveryConsumerHoldsPartitionsOfOneGenerationCoveringAllExactlyOnce() {
        Map<Integer, Set<TopicPartition>> a = new HashMap<>();
        Map<Integer, Integer> g = new HashMap<>();
        a.put(0, partitions(0, 4));
        g.put(0, 1);
        assertFalse(GroupJoinBenchmark.complete(a, g, 2, 4), "the first member alone holds everything");
        a.put(0, partitions(0, 2));
        a.put(1, partitions(2, 4));
        g.put(0, 2);
        g.put(1, 2);
        assertTrue(GroupJoinBenchmark.complete(a, g, 2, 4));
        g.put(1, 3);
        assertFalse(GroupJoinBenchmark.complete(a, g, 2, 4), "two generations");
        g.put(1, 2);
        a.put(1, partitions(1, 4));
        assertFalse(GroupJoinBenchmark.complete(a, g, 2, 4), "partition 1 twice");
        a.put(1, partitions(2, 3));
        assertFalse(GroupJoinBenchmark.complete(a, g, 2, 4), "partition 3 missing");
        a.put(0, Set.of());
        a.put(1, partitions(0, 4));
        assertFalse(GroupJoinBenchmark.complete(a, g, 2, 4), "a member without partitions");
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, GroupJoinBenchmark.median(List.of(1.0, 2.0, 9.0)));
        assertEquals(2.5, GroupJoinBenchmark.median(List.of(1.0, 2.0, 3.0, 9.0)));
    }

    @Test
    void defaultsAreTheIssuesConfigurationAndBadValuesAreUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cl = PerfTool.newCommandLine(System.out, errStream);
        PerfTool.GroupJoin cmd = (PerfTool.GroupJoin) cl.parseArgs("group-join").subcommand().commandSpec().userObject();
        assertEquals(10, cmd.options.consumers);
        assertEquals(100, cmd.options.partitions);
        assertEquals(5, cmd.options.rounds);
        assertEquals(1, cmd.options.warmupRounds);
        assertEquals("classic", GroupJoinBenchmark.consumerConfig(cmd.options, "g", 0).get("group.protocol"));

        assertEquals(2, PerfTool.execute(new String[] {"group-join", "--consumers", "0"}, System.out, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--consumers must be > 0"));
    }
}
