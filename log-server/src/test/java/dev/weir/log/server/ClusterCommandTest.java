package dev.weir.log.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir cluster}: the launcher in a child JVM starts three brokers that answer Kafka clients,
 * and stops them all on SIGTERM with exit code 0; a taken port, a failing broker and bad options are
 * reported with what to do. Brokers run on ports found free, never 9092.
 */
@Tag("process")
class ClusterCommandTest {

    @TempDir
    Path dir;

    private Process launcher;
    private final List<ProcessHandle> brokers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        brokers.forEach(ProcessHandle::destroyForcibly);
        if (launcher != null) {
            launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void startsThreeBrokersAndStopsThemAllOnSigterm() throws Exception {
        int base = freePorts(3, -1);
        int clusterBase = freePorts(3, base);
        Path stdout = dir.resolve("launcher.out");
        Path stderr = dir.resolve("launcher.err");
        Path data = dir.resolve("data");
        ProcessBuilder builder = new ProcessBuilder(java(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                ClusterCommand.class.getName(), "--brokers", "3", "--dir", data.toString(),
                "--base-port", String.valueOf(base), "--cluster-base-port", String.valueOf(clusterBase),
                "--override", "num.network.threads=1", "--override", "num.io.threads=2")
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        // Three brokers share the test machine: small heaps, quick JIT.
        builder.environment().put("WEIR_HEAP_OPTS", "-Xmx256m");
        builder.environment().put("WEIR_JVM_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        launcher = builder.start();

        String bootstrap = "127.0.0.1:" + base + ",127.0.0.1:" + (base + 1) + ",127.0.0.1:" + (base + 2);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> !launcher.isAlive()
                || read(stdout).contains("weir cluster: all 3 brokers ready; bootstrap servers: " + bootstrap));
        assertTrue(launcher.isAlive(), "launcher exited: " + read(stdout) + read(stderr));
        String out = read(stdout);
        assertTrue(out.contains("starting broker 1 of 3"), out);
        assertTrue(out.contains("[broker-2] Weir broker 2 ready on PLAINTEXT://127.0.0.1:" + (base + 1)), out);
        brokers.addAll(launcher.toHandle().children().toList());
        assertEquals(3, brokers.size(), "one child JVM per broker");

        for (ProcessHandle broker : brokers) {
            List<String> args = List.of(broker.info().arguments().orElse(new String[0]));
            int id = args.indexOf("--override") >= 0 ? Integer.parseInt(args.get(args.indexOf("--override") + 1)
                    .substring("node.id=".length())) : -1;
            assertTrue(id >= 1 && id <= 3, "node.id override first: " + args);
            int kafkaPort = base + id - 1;
            assertEquals(List.of(
                    "--override", "node.id=" + id,
                    "--override", "cluster.listen=127.0.0.1:" + (clusterBase + id - 1),
                    "--override", "cluster.members=127.0.0.1:" + clusterBase + ",127.0.0.1:" + (clusterBase + 1)
                            + ",127.0.0.1:" + (clusterBase + 2),
                    "--override", "listeners=PLAINTEXT://127.0.0.1:" + kafkaPort,
                    "--override", "log.dirs=" + data.resolve("broker-" + id),
                    "--override", "num.network.threads=1", "--override", "num.io.threads=2"),
                    args.subList(args.indexOf(Main.class.getName()) + 1, args.size()),
                    "broker " + id + " gets the options a user would type");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort))) {
                Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
                assertTrue(nodes.stream().anyMatch(n -> n.id() == id && n.port() == kafkaPort),
                        "broker " + id + " answers as node " + id + ": " + nodes);
            }
        }

        launcher.destroy(); // SIGTERM, as a service manager or Ctrl-C would
        assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher stops: " + read(stdout) + read(stderr));
        assertEquals(0, launcher.exitValue(), read(stdout) + read(stderr));
        for (ProcessHandle broker : brokers) {
            assertFalse(broker.isAlive(), "broker " + broker.pid() + " stopped with the launcher");
        }
        out = read(stdout);
        for (int id = 1; id <= 3; id++) {
            assertTrue(out.contains("[broker-" + id + "] Weir broker " + id + " stopped"), out);
        }
        assertTrue(out.contains("weir cluster: all brokers stopped"), out);
    }

    @Test
    void aTakenPortIsNamedWithTheFix() throws Exception {
        int base = freePorts(3, -1);
        int clusterBase = freePorts(3, base);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), base + 1));
            Result r = runInProcess("--brokers", "3", "--dir", dir.toString(), "--base-port", String.valueOf(base),
                    "--cluster-base-port", String.valueOf(clusterBase));
            assertEquals(ClusterCommand.EXIT_FAILED, r.code(), r.err());
            assertTrue(r.err().contains("port " + (base + 1) + " (Kafka listener of broker 2) already in use on 127.0.0.1"),
                    r.err());
            assertTrue(r.err().contains("--base-port"), "says what to do: " + r.err());
            assertFalse(r.out().contains("starting broker"), "no broker started: " + r.out());
        }
    }

    @Test
    void aBrokerThatExitsIsReportedWithItsLastLinesAndTheOthersStopped() throws Exception {
        int base = freePorts(2, -1);
        int clusterBase = freePorts(2, base);
        // Every broker refuses this config and exits 2 at once.
        Result r = runInProcess("--brokers", "2", "--dir", dir.toString(), "--base-port", String.valueOf(base),
                "--cluster-base-port", String.valueOf(clusterBase), "--override", "num.io.threads=0");
        assertEquals(ClusterCommand.EXIT_FAILED, r.code(), r.out() + r.err());
        assertTrue(r.err().matches("(?s).*weir cluster: broker [12] exited with code 2; its last lines:\n.*"), r.err());
        assertTrue(r.err().contains("    weir server: ") && r.err().contains("num.io.threads"), "the broker's own words: " + r.err());
        assertFalse(r.out().contains("ready;"), r.out());
    }

    @Test
    void brokerOptionsAreTheOnesAUserWouldType() {
        List<ClusterCommand.BrokerPlan> plan = ClusterCommand.plan(3, Path.of("DIR"), 9092, 5701);
        List<String> members = List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703");
        assertEquals("--override node.id=1 --override cluster.listen=127.0.0.1:5701 "
                        + "--override cluster.members=127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703 "
                        + "--override listeners=PLAINTEXT://127.0.0.1:9092 --override log.dirs=DIR/broker-1",
                String.join(" ", plan.get(0).serverArgs(members, List.of())));
        assertEquals("127.0.0.1:9094", plan.get(2).bootstrap());
        assertEquals(Path.of("DIR", "broker-3"), plan.get(2).logDir());
    }

    @Test
    void badOptionsAreUsageErrors() {
        for (List<String> args : List.of(
                List.of("--brokers", "0"),
                List.of("--override", "listeners=PLAINTEXT://127.0.0.1:1"),
                List.of("--override", "no-equals-sign"),
                List.of("--base-port", "9092", "--cluster-base-port", "9093"),
                List.of("--base-port", "65535"),
                List.of("--no-such-option"))) {
            Result r = runInProcess(args.toArray(String[]::new));
            assertEquals(ClusterCommand.EXIT_USAGE, r.code(), args + ": " + r.err());
            assertTrue(r.err().startsWith("weir cluster: ") && r.err().contains("see: bin/weir cluster --help"),
                    args + ": " + r.err());
        }
        Result help = runInProcess("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("./weir-cluster") && help.out().contains("WEIR_HEAP_OPTS"), help.out());
    }

    private record Result(int code, String out, String err) {}

    private static Result runInProcess(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClusterCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** The first of {@code count} consecutive ports free on 127.0.0.1, not overlapping {@code [avoid, avoid + count)}. */
    private static int freePorts(int count, int avoid) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int first;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                first = s.getLocalPort();
            }
            boolean overlaps = avoid >= 0 && first < avoid + count && avoid < first + count;
            if (!overlaps && first + count - 1 <= 65535 && allFree(first, count)) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports found");
    }

    private static boolean allFree(int first, int count) {
        for (int port = first; port < first + count; port++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
