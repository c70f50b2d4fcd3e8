package dev.weir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit 5 extension running a three-broker cluster, injected as EmbeddedCluster or KafkaEndpoint. */
@Tag("cluster")
class WeirClusterExtensionTest {

    @RegisterExtension
    static final WeirBrokerExtension KAFKA = WeirBrokerExtension.cluster(3);

    @Test
    void injectsARunningClusterOfThreeRegisteredBrokers(EmbeddedCluster cluster, KafkaEndpoint endpoint) throws Exception {
        assertSame(KAFKA.cluster(), cluster);
        assertSame(cluster, endpoint);
        assertThrows(IllegalStateException.class, KAFKA::broker);
        assertEquals(3, cluster.size());
        assertEquals(List.of(cluster.bootstrap(1), cluster.bootstrap(2), cluster.bootstrap(3)),
                List.of(cluster.bootstrap().split(",")));
        try (Admin admin = cluster.admin()) {
            Set<Integer> ids = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id)
                    .collect(Collectors.toSet());
            assertEquals(Set.of(1, 2, 3), ids);
        }
        cluster.createTopic("injected-rf3", 2, 3, Map.of());
        try (Admin admin = cluster.admin()) {
            admin.describeTopics(List.of("injected-rf3")).allTopicNames().get(30, TimeUnit.SECONDS).get("injected-rf3")
                    .partitions().forEach(p -> assertEquals(3, p.isr().size(), "full ISR once createTopic returns"));
        }
    }
}
