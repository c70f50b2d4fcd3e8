package dev.weir.streams.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.KStream;
import dev.weir.streams.KTable;
import dev.weir.streams.KeyValue;
import dev.weir.streams.StreamsBuilder;
import dev.weir.streams.Topology;
import dev.weir.streams.With;
import dev.weir.streams.serde.Serdes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StreamTableJoinTest {

    /** Orders keyed by order id with value "user:amount", enriched with the user's region (inner and left). */
    public static Topology enrichment() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string()).requireExplicitNames();
        KTable<String, String> regions = b.table("user-regions", With.as("regions"));
        KStream<String, String> byUser = b.<String, String>stream("orders", With.as("orders-source"))
                .selectKey((orderId, v) -> v.split(":")[0], "by-user");
        byUser.join(regions, (order, region) -> region + "/" + order.split(":")[1], With.as("enrich"))
                .to("orders-by-region", With.as("enriched-sink"));
        byUser.leftJoin(regions.filter((k, r) -> !r.equals("moon"), "earthly"),
                        (order, region) -> (region == null ? "unknown" : region) + "/" + order.split(":")[1],
                        With.as("enrich-all"))
                .to("orders-all", With.as("all-sink"));
        return b.build();
    }

    @Test
    void enrichmentSeesTheTableAsOfEachOrderAcrossFourPartitions() {
        Topology t = enrichment();
        assertTrue(t.repartitionTopics().containsAll(List.of("enrich-repartition", "enrich-all-repartition")),
                t.repartitionTopics().toString());
        Random rnd = new Random(9);
        Map<String, String> regions = new HashMap<>();
        List<KeyValue<String, String>> inner = new ArrayList<>();
        List<KeyValue<String, String>> all = new ArrayList<>();
        try (StreamsTestDriver d = new StreamsTestDriver(t)) {
            TestInputTopic<String, String> users = d.inputTopic("user-regions", Serdes.string(), Serdes.string());
            TestInputTopic<String, String> orders = d.inputTopic("orders", Serdes.string(), Serdes.string());
            String[] places = {"eu", "us", "apac", "moon"};
            for (int i = 0; i < 600; i++) {
                String user = "u" + rnd.nextInt(25);
                if (rnd.nextInt(3) == 0) {
                    String region = rnd.nextInt(8) == 0 ? null : places[rnd.nextInt(places.length)];
                    users.pipeInput(user, region, i);
                    if (region == null) {
                        regions.remove(user);
                    } else {
                        regions.put(user, region);
                    }
                } else {
                    orders.pipeInput("o" + i, user + ":" + i, i);
                    String region = regions.get(user);
                    if (region != null) {
                        inner.add(KeyValue.pair(user, region + "/" + i));
                    }
                    all.add(KeyValue.pair(user, (region == null || region.equals("moon") ? "unknown" : region) + "/" + i));
                }
            }
            assertEquals(sortedByKey(inner), sortedByKey(d.outputTopic("orders-by-region", Serdes.string(),
                    Serdes.string()).readKeyValuesToList()));
            assertEquals(sortedByKey(all), sortedByKey(d.outputTopic("orders-all", Serdes.string(),
                    Serdes.string()).readKeyValuesToList()));
        }
    }

    /** Output order across partitions is not the input order; per key it is. */
    static Map<String, List<String>> sortedByKey(List<KeyValue<String, String>> kvs) {
        Map<String, List<String>> m = new java.util.TreeMap<>();
        kvs.forEach(kv -> m.computeIfAbsent(kv.key(), k -> new ArrayList<>()).add(kv.value()));
        return m;
    }

    @Test
    void joinInputsMustBeCoPartitioned() {
        StreamsBuilder b = new StreamsBuilder(Serdes.string(), Serdes.string());
        b.<String, String>stream("orders").join(b.table("users", With.as("users")), (o, u) -> o + u).to("out");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new StreamsTestDriver(b.build(), Map.of(), Map.of("orders", 4, "users", 3)));
        assertTrue(e.getMessage().contains("not co-partitioned"), e.getMessage());
    }
}
