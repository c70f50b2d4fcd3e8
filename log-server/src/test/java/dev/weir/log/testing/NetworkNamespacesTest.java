package dev.weir.log.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves {@link NetworkNamespaces} with tiny HTTP servers inside the namespaces and bash /dev/tcp
 * probes, and that a {@link ChildBroker} runs inside one.
 */
@Tag("root")
class NetworkNamespacesTest {
    private static final int PORT = 8000;   // every namespace has its own port space

    @BeforeEach
    void needsNamespaces() {
        assumeTrue(NetworkNamespaces.available(), "needs root and iproute2 network namespaces");
    }

    @Test
    void isolateCutsOneHostOffFromTheOthersButNotFromTheRoot() throws Exception {
        List<String> names = new ArrayList<>();
        List<Process> servers = new ArrayList<>();
        try (NetworkNamespaces net = NetworkNamespaces.create(3)) {
            try {
                for (int k = 1; k <= 3; k++) {
                    names.add(net.namespace(k));
                    servers.add(startServer(net, k));
                }
                for (int k = 1; k <= 3; k++) {
                    awaitRootReaches(net.address(k));
                }
                assertAllPairsReach(net);

                net.isolate(1);
                assertFalse(reaches(net, 1, 2), "1 -> 2 is cut");
                assertFalse(reaches(net, 1, 3), "1 -> 3 is cut");
                assertFalse(reaches(net, 2, 1), "2 -> 1 is cut");
                assertFalse(reaches(net, 3, 1), "3 -> 1 is cut");
                assertTrue(reaches(net, 2, 3), "2 -> 3 is untouched");
                assertTrue(reaches(net, 3, 2), "3 -> 2 is untouched");
                for (int k = 1; k <= 3; k++) {
                    assertTrue(rootReaches(net.address(k)), "root still reaches host " + k);
                }

                net.heal();
                assertAllPairsReach(net);
            } finally {
                for (Process p : servers) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        String left = ip("netns", "list");
        for (String name : names) {
            assertFalse(left.contains(name), name + " was deleted: " + left);
        }
    }

    @Test
    void closeDeletesEverythingEvenWithAProcessStillInside() throws Exception {
        NetworkNamespaces net = NetworkNamespaces.create(1);
        String ns = net.namespace(1);
        Process server = startServer(net, 1);
        try {
            awaitRootReaches(net.address(1));
        } finally {
            net.close();
        }
        assertTrue(server.waitFor(10, TimeUnit.SECONDS), "close() killed the process inside");
        assertFalse(ip("netns", "list").contains(ns));
        String tag = ns.substring("weir-".length(), ns.lastIndexOf("-ns"));
        String links = ip("-o", "link", "show");
        assertFalse(links.contains("wb-" + tag + ":") || links.contains("wv-" + tag + "-"),
                "no bridge or veth of " + tag + " is left: " + links);
    }

    @Test
    void twoInstancesGetDifferentSubnets() {
        try (NetworkNamespaces a = NetworkNamespaces.create(1); NetworkNamespaces b = NetworkNamespaces.create(1)) {
            assertNotEquals(a.rootAddress(), b.rootAddress());
            assertNotEquals(a.namespace(1), b.namespace(1));
            assertEquals(List.of("ip", "netns", "exec", a.namespace(1)), a.commandPrefix(1));
        }
    }

    @Test
    void createRemovesLeftoversOfDeadRuns() throws Exception {
        // Pid 0xfffffff is above any pid_max, so its "owner" is certainly gone.
        String ns = "weir-fffffff-0-ns1";
        String bridge = "wb-fffffff-0";
        ip("netns", "add", ns);
        ip("link", "add", bridge, "type", "bridge");
        try (NetworkNamespaces net = NetworkNamespaces.create(1)) {
            assertFalse(ip("netns", "list").contains(ns));
            assertFalse(ip("-o", "link", "show").contains(bridge + ":"));
        } finally {
            ip("netns", "del", ns);
            ip("link", "del", bridge);
        }
    }

    @Test
    void aChildBrokerRunsInsideAHostOnAFixedPortAcrossRestarts(@TempDir Path dir) throws Exception {
        try (NetworkNamespaces net = NetworkNamespaces.create(1);
             ChildBroker broker = new ChildBroker(dir, "netns-broker", Map.of(), net.commandPrefix(1),
                     net.address(1), 19092)) {
            broker.start();
            assertEquals(net.address(1) + ":19092", broker.bootstrap());
            assertEquals("1", brokerConfig(broker, "num.partitions"));
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic("in-ns", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }

            broker.kill();
            broker.start(Map.of("num.partitions", "3"));   // per-start override, same host and port
            assertEquals("3", brokerConfig(broker, "num.partitions"));
            try (Admin admin = admin(broker)) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("in-ns"), "survived kill -9");
            }
        }
    }

    // ---- helpers

    private static Admin admin(ChildBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    private static String brokerConfig(ChildBroker broker, String key) throws Exception {
        try (Admin admin = admin(broker)) {
            ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(node)).all().get(30, TimeUnit.SECONDS).get(node);
            return config.get(key).value();
        }
    }

    private static Process startServer(NetworkNamespaces net, int host) throws IOException {
        List<String> command = new ArrayList<>(net.commandPrefix(host));
        command.addAll(List.of("python3", "-m", "http.server", "--bind", net.address(host), String.valueOf(PORT)));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static void assertAllPairsReach(NetworkNamespaces net) throws Exception {
        for (int from = 1; from <= net.hosts(); from++) {
            for (int to = 1; to <= net.hosts(); to++) {
                if (from != to) {
                    assertTrue(reaches(net, from, to), from + " -> " + to);
                }
            }
        }
    }

    /** Whether a TCP connect from inside host {@code from} to host {@code to}'s server succeeds. */
    private static boolean reaches(NetworkNamespaces net, int from, int to) throws Exception {
        List<String> command = new ArrayList<>(net.commandPrefix(from));
        command.addAll(List.of("timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/" + net.address(to) + "/" + PORT));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(15, TimeUnit.SECONDS), "probe finished");
        return p.exitValue() == 0;
    }

    private static boolean rootReaches(String address) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, PORT), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitRootReaches(String address) {
        await("server on " + address + " came up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> rootReaches(address));
    }

    private static String ip(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }
}
