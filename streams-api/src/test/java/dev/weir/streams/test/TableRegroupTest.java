package dev.weir.streams.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.streams.KTable;
import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.Topology;
import dev.weir.streams.With;
import dev.weir.streams.serde.Serdes;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
public class TableRegroupTest {

    /** Accounts (id -> "region:balance") re-grouped by region: accounts and total balance per region. */
    public static Topology regions() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string()).requireExplicitNames();
        KTable<String, String> accounts = b.table("accounts", With.as("accounts"));
        accounts.groupBy((id, v) -> KeyValue.pair(v.split(":")[0], id), With.as("by-region"))
                .count(With.as("accounts-per-region"))
                .toStream("counts-stream")
                .to("region-counts", With.as("counts-sink", Serdes.string(), Serdes.longs()));
        accounts.groupBy((id, v) -> KeyValue.pair(v.split(":")[0], Long.parseLong(v.split(":")[1])),
                        With.as("balances-by-region", Serdes.string(), Serdes.longs()))
                .aggregate(() -> 0L, (region, bal, sum) -> sum + bal, (region, bal, sum) -> sum - bal,
                        With.as("balance-per-region", Serdes.string(), Serdes.longs()))
                .toStream("balances-stream")
                .to("region-balances", With.as("balances-sink", Serdes.string(), Serdes.longs()));
        return b.build();
    }

    /** A random history of accounts opening, moving region, changing balance and closing. */
    public static java.util.List<KeyValue<String, String>> history(int n, long seed) {
        Random rnd = new Random(seed);
        String[] regions = {"north", "south", "east", "west"};
        java.util.List<KeyValue<String, String>> h = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "acct-" + rnd.nextInt(80);
            h.add(KeyValue.pair(id, rnd.nextInt(12) == 0 ? null : regions[rnd.nextInt(4)] + ":" + rnd.nextInt(1000)));
        }
        return h;
    }

    /** Final per-region [count, balance] computed from the final table; regions that emptied are absent. */
    public static Map<String, long[]> expected(java.util.List<KeyValue<String, String>> history) {
        Map<String, String> table = new HashMap<>();
        history.forEach(kv -> {
            if (kv.value() == null) {
                table.remove(kv.key());
            } else {
                table.put(kv.key(), kv.value());
            }
        });
        Map<String, long[]> m = new TreeMap<>();
        table.values().forEach(v -> {
            long[] a = m.computeIfAbsent(v.split(":")[0], r -> new long[2]);
            a[0]++;
            a[1] += Long.parseLong(v.split(":")[1]);
        });
        return m;
    }

    public static Map<String, Long> counts(Map<String, long[]> e) {
        Map<String, Long> m = new TreeMap<>();
        e.forEach((k, v) -> m.put(k, v[0]));
        return m;
    }

    public static Map<String, Long> balances(Map<String, long[]> e) {
        Map<String, Long> m = new TreeMap<>();
        e.forEach((k, v) -> m.put(k, v[1]));
        return m;
    }

    static Map<String, Long> nonZero(Map<String, Long> m) {
        Map<String, Long> out = new TreeMap<>(m);
        out.values().removeIf(v -> v == 0);
        return out;
    }

    @Test
    void accountsMovingBetweenRegionsLeaveOneAggregateAndJoinAnother() {
        var history = history(1500, 4);
        Map<String, long[]> expected = expected(history);
        try (StreamsTestDriver d = new StreamsTestDriver(regions())) {
            TestInputTopic<String, String> in = d.inputTopic("accounts", Serdes.string(), Serdes.string());
            for (int i = 0; i < history.size(); i++) {
                in.pipeInput(history.get(i).key(), history.get(i).value(), i);
            }
            assertEquals(counts(expected), nonZero(d.outputTopic("region-counts", Serdes.string(), Serdes.longs())
                    .readKeyValuesToMap()));
            Map<String, Long> balances = d.outputTopic("region-balances", Serdes.string(), Serdes.longs())
                    .readKeyValuesToMap();
            Map<String, Long> expectedBalances = balances(expected);
            expectedBalances.keySet().forEach(r -> assertEquals(expectedBalances.get(r), balances.get(r), r));
            assertEquals(counts(expected), nonZero(d.storeContents("accounts-per-region")));
        }
    }
}
