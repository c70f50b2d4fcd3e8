package dev.weir.testkit;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * A cluster of {@link ChildBroker}s (one JVM each; log-server on the class path) on 127.0.0.1, so that a test
 * can {@code kill -9} any of them and start it again over the same directory and ports. Kafka and Hazelcast ports are
 * found free at construction and kept for the cluster's life; failure detection is fast (heartbeat
 * 1 s, session 5 s). Brokers are numbered from 1 (their node id); broker {@code n} keeps its data in
 * {@code dir/broker-n} and writes its output to {@code target/child-brokers/NAME-n-START.out}.
 *
 * <p>The CP subsystem forms only when all brokers named in {@code cluster.members} start together
 * the first time, so use {@link #startAll()} for a new (or wholly stopped) cluster and
 * {@link #start(int)} to bring one broker back into a running cluster.
 *
 * <p>Thread safety: not thread-safe; one test thread drives the cluster.
 */
public final class ChildCluster implements KafkaEndpoint, AutoCloseable {
    // Generous: the brokers share two cores with the test and other builds, and a JVM with Hazelcast is slow to start.
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final int[] kafkaPorts;
    private final int[] clusterPorts;
    private final ChildBroker[] brokers;

    /**
     * @param dir       parent of the brokers' log dirs
     * @param name      names the output files; unique per test
     * @param size      number of brokers (3 for a CP subsystem)
     * @param overrides broker configs for every broker, over the fixture's defaults
     */
    public ChildCluster(Path dir, String name, int size, Map<String, String> overrides) throws IOException {
        this.dir = dir;
        this.kafkaPorts = new int[size + 1];
        this.clusterPorts = new int[size + 1];
        this.brokers = new ChildBroker[size + 1];
        int[] ports = FreePorts.several(2 * size);
        for (int i = 1; i <= size; i++) {
            kafkaPorts[i] = ports[2 * (i - 1)];
            clusterPorts[i] = ports[2 * (i - 1) + 1];
        }
        String members = IntStream.rangeClosed(1, size).mapToObj(i -> "127.0.0.1:" + clusterPorts[i])
                .collect(Collectors.joining(","));
        String clusterName = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 1; i <= size; i++) {
            Map<String, String> props = new HashMap<>();
            props.put("node.id", String.valueOf(i));
            props.put("cluster.listen", "127.0.0.1:" + clusterPorts[i]);
            props.put("cluster.members", members);
            props.put("cluster.name", clusterName);
            props.put("broker.heartbeat.interval.ms", "1000");
            props.put("broker.session.timeout.ms", "5000");
            props.put("replica.lag.time.max.ms", "5000");
            props.put("replica.fetch.wait.max.ms", "200");
            props.put("replica.fetch.backoff.ms", "200");
            props.put("offsets.topic.num.partitions", "3");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.putAll(overrides);
            brokers[i] = new ChildBroker(logDir(i), name + "-" + i, props, List.of(), "127.0.0.1", kafkaPorts[i]);
        }
    }

    public int size() {
        return brokers.length - 1;
    }

    /**
     * Starts every broker at once (each waits in startup until the CP subsystem has formed), waits for
     * every ready line, then until every broker is registered.
     */
    public void startAll() throws Exception {
        List<Integer> all = IntStream.rangeClosed(1, size()).boxed().toList();
        ExecutorService starters = Executors.newFixedThreadPool(size());
        try {
            List<Future<?>> starts = new ArrayList<>();
            for (int node : all) {
                starts.add(starters.submit(() -> {
                    brokers[node].start(Map.of(), READY_TIMEOUT);
                    return null;
                }));
            }
            for (Future<?> f : starts) {
                join(f);
            }
        } finally {
            starters.shutdownNow();
        }
        awaitRegistered(Set.copyOf(all));
    }

    /** Starts one broker of a running cluster; waits for its ready line, then until the cluster lists it. */
    public void start(int node) throws Exception {
        brokers[node].start(Map.of(), READY_TIMEOUT);
        awaitRegistered(Set.of(node));
    }

    /** SIGKILL, and waits for the process to be gone. */
    public void kill9(int node) throws InterruptedException {
        brokers[node].kill9();
    }

    /** SIGTERM to one broker; waits until it stopped cleanly. */
    public void stop(int node) throws Exception {
        brokers[node].stop(STOP_TIMEOUT);
    }

    /** SIGTERM to every running broker at once; waits until all stopped cleanly. */
    public void stopAll() throws Exception {
        ExecutorService stoppers = Executors.newFixedThreadPool(size());
        try {
            List<Future<?>> stops = new ArrayList<>();
            for (int i = 1; i <= size(); i++) {
                ChildBroker b = brokers[i];
                if (b.isAlive()) {
                    stops.add(stoppers.submit(() -> {
                        b.stop(STOP_TIMEOUT);
                        return null;
                    }));
                }
            }
            for (Future<?> f : stops) {
                join(f);
            }
        } finally {
            stoppers.shutdownNow();
        }
    }

    public boolean isRunning(int node) {
        return brokers[node].isAlive();
    }

    /** All brokers' listeners, running or not. */
    @Override
    public String bootstrap() {
        return IntStream.rangeClosed(1, size()).mapToObj(this::bootstrap).collect(Collectors.joining(","));
    }

    public String bootstrap(int node) {
        return "127.0.0.1:" + kafkaPorts[node];
    }

    /** The running brokers' listeners. */
    public String runningBootstrap() {
        return IntStream.rangeClosed(1, size()).filter(this::isRunning).mapToObj(this::bootstrap)
                .collect(Collectors.joining(","));
    }

    /** The broker's {@code log.dirs}. */
    public Path logDir(int node) {
        return dir.resolve("broker-" + node);
    }

    /** The broker's standard output of its latest start. */
    public Path stdout(int node) {
        return brokers[node].stdout();
    }

    /** An admin client for all brokers, with short timeouts (some brokers may be down). */
    @Override
    public Admin admin() {
        return admin(bootstrap());
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** The node ids that DescribeCluster, asked of any running broker, lists. */
    public Set<Integer> registeredBrokers() throws Exception {
        try (Admin admin = admin(runningBootstrap())) {
            return registeredBrokers(admin);
        }
    }

    private static Set<Integer> registeredBrokers(Admin admin) throws Exception {
        return admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000)).nodes().get(10, TimeUnit.SECONDS)
                .stream().map(Node::id).collect(Collectors.toSet());
    }

    private void awaitRegistered(Set<Integer> nodes) {
        try (Admin admin = admin(runningBootstrap())) {
            await().atMost(REGISTRATION_TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> registeredBrokers(admin).containsAll(nodes));
        }
    }

    /** Waits until the broker's output of its latest start contains {@code text}. */
    public void awaitOutput(int node, String text, Duration timeout) {
        Path out = stdout(node);
        await("broker " + node + " prints '" + text + "' in " + out.toAbsolutePath()).atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> Files.readString(out, StandardCharsets.UTF_8).contains(text));
    }

    /** Kills every broker still running (SIGKILL). */
    @Override
    public void close() {
        for (int i = 1; i <= size(); i++) {
            if (brokers[i] != null) {
                brokers[i].close();
            }
        }
    }

    private static void join(Future<?> f) throws Exception {
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
