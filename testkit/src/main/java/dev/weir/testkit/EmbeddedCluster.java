package dev.weir.testkit;

import static org.awaitility.Awaitility.await;

import dev.weir.common.launcher.Component;
import dev.weir.common.concurrent.NamedThreads;
import dev.weir.common.launcher.Components;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;

/**
 * A cluster of Weir brokers in this JVM, each with its own Kafka port, cluster (Hazelcast) port and directory
 * ({@code dir/broker-N}), fast failure detection, and kafka-clients configured for all of them. Brokers are
 * numbered from 1 (their {@code node.id}). {@link #kill} drops a broker out of the cluster as a crash would (no
 * goodbye to the other members); {@link #stop} stops it cleanly; {@link #restart} starts it again on the same
 * ports and directory.
 *
 * <p>Brokers start through the component SPI ({@code Components.start("server", config)}), so the test class path
 * must hold log-server. The CP subsystem (cluster metadata) forms once three brokers have met, so start at least
 * three together. Producers default to {@code acks=all} and long delivery timeouts, consumers to
 * {@code auto.offset.reset=earliest}.
 *
 * <p>Open for fixtures that add accessors to the brokers' components (log-server's own tests). Thread safety: not
 * thread-safe; one test thread drives the cluster.
 */
public class EmbeddedCluster implements KafkaEndpoint, AutoCloseable {
    private static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Map<String, String> overrides;
    private final int[] kafkaPorts;
    private final int[] clusterPorts;
    private final Component[] brokers;

    /** A cluster of {@code size} brokers, none started yet (see {@link #startBrokers}); for subclasses. */
    protected EmbeddedCluster(Path dir, int size, Map<String, String> overrides) {
        this.dir = dir;
        this.overrides = Map.copyOf(overrides);
        this.kafkaPorts = new int[size + 1];
        this.clusterPorts = new int[size + 1];
        this.brokers = new Component[size + 1];
        int[] ports = FreePorts.several(2 * size);
        for (int i = 1; i <= size; i++) {
            kafkaPorts[i] = ports[2 * (i - 1)];
            clusterPorts[i] = ports[2 * (i - 1) + 1];
        }
    }

    /** Starts {@code size} brokers together and waits until every one is registered. */
    public static EmbeddedCluster start(Path dir, int size, Map<String, String> overrides) {
        return start(dir, size, size, overrides);
    }

    /**
     * A cluster whose {@code cluster.members} names {@code totalBrokers} brokers, of which only the first
     * {@code initiallyRunning} (at least three, for the CP subsystem) start now; {@link #restart} starts the others
     * later, as brokers added to a running cluster.
     */
    public static EmbeddedCluster start(Path dir, int totalBrokers, int initiallyRunning, Map<String, String> overrides) {
        EmbeddedCluster cluster = new EmbeddedCluster(dir, totalBrokers, overrides);
        cluster.startBrokers(initiallyRunning);
        return cluster;
    }

    /**
     * Starts brokers 1..{@code count} at once (each waits in start-up until the CP subsystem has formed) and waits
     * until every running broker has all of them registered; closes the cluster if any fails to start.
     */
    protected final void startBrokers(int count) {
        // One thread per broker: each blocks in start-up until enough members have met.
        ExecutorService starters = Executors.newFixedThreadPool(count, new NamedThreads("embedded-cluster-start"));
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            int node = i;
            starts.add(CompletableFuture.runAsync(() -> startBroker(node), starters));
        }
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
            await("all " + count + " brokers registered").atMost(REGISTRATION_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> allRunningBrokersSee(count));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        } finally {
            starters.shutdown();
        }
    }

    private void startBroker(int node) {
        Map<String, String> props = new HashMap<>();
        props.put("node.id", String.valueOf(node));
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + kafkaPorts[node]);
        props.put("log.dirs", logDir(node).toString());
        props.put("cluster.listen", "127.0.0.1:" + clusterPorts[node]);
        props.put("cluster.members", IntStream.range(1, clusterPorts.length)
                .mapToObj(i -> "127.0.0.1:" + clusterPorts[i]).collect(Collectors.joining(",")));
        props.put("cluster.name", "test-" + dir.getFileName());
        props.put("num.network.threads", "1");
        props.put("num.io.threads", "4");
        props.put("broker.heartbeat.interval.ms", "1000");
        props.put("broker.session.timeout.ms", "4000");
        props.put("replica.lag.time.max.ms", "3000");
        props.put("replica.fetch.wait.max.ms", "200");
        props.put("replica.fetch.backoff.ms", "200");
        props.put("offsets.topic.num.partitions", "3");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.putAll(overrides);
        brokers[node] = Components.start("server", props);
    }

    /**
     * Whether every running broker lists {@code count} registered brokers. Asks each broker alone through
     * DescribeCluster; subclasses with access to the brokers' metadata may answer more directly.
     */
    protected boolean allRunningBrokersSee(int count) {
        for (int node = 1; node <= size(); node++) {
            if (isRunning(node) && registeredBrokers(bootstrap(node)).size() != count) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether broker {@code node} is registered in the cluster, as some running broker sees it; {@link #restart}
     * waits for it. Subclasses with access to the brokers' metadata may answer more directly.
     */
    protected boolean isRegistered(int node) {
        String running = IntStream.rangeClosed(1, size()).filter(this::isRunning).mapToObj(this::bootstrap)
                .collect(Collectors.joining(","));
        return registeredBrokers(running).contains(node);
    }

    private static Set<Integer> registeredBrokers(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000))) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(4_000)).nodes().get(5, TimeUnit.SECONDS)
                    .stream().map(Node::id).collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of(); // not answering yet: not registered as far as the caller can tell
        }
    }

    public int size() {
        return brokers.length - 1;
    }

    /** Broker {@code node}'s component, or null while it is stopped or killed. */
    public Component component(int node) {
        return brokers[node];
    }

    public boolean isRunning(int node) {
        return brokers[node] != null;
    }

    /** Broker {@code node}'s {@code log.dirs}. */
    public Path logDir(int node) {
        return dir.resolve("broker-" + node);
    }

    /**
     * Creates a topic through Admin and waits until every partition has a leader and all {@code replicationFactor}
     * replicas in its ISR.
     */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs)
            throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) replicationFactor).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
            await("topic " + name + " has a leader and " + replicationFactor + " in-sync replicas per partition")
                    .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> {
                        TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS)
                                .get(name);
                        return d.partitions().size() == partitions && d.partitions().stream()
                                .allMatch(p -> p.leader() != null && p.isr().size() == replicationFactor);
                    });
        }
    }

    /** Crashes a broker: it leaves the cluster without a goodbye, then stops. */
    public void kill(int node) {
        Component b = brokers[node];
        brokers[node] = null;
        if (b != null) {
            b.halt();
        }
    }

    /** Stops a broker cleanly. */
    public void stop(int node) {
        Component b = brokers[node];
        brokers[node] = null;
        if (b != null) {
            b.close();
        }
    }

    /** Starts a stopped or killed broker again on its ports and directory and waits until it is registered. */
    public void restart(int node) {
        startBroker(node);
        await("broker " + node + " registered again").atMost(REGISTRATION_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> isRegistered(node));
    }

    /** All brokers' listeners, running or not. */
    @Override
    public String bootstrap() {
        return IntStream.rangeClosed(1, size()).mapToObj(this::bootstrap).collect(Collectors.joining(","));
    }

    public String bootstrap(int node) {
        return "127.0.0.1:" + kafkaPorts[node];
    }

    @Override
    public Map<String, Object> producerDefaults() {
        return Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    }

    @Override
    public Map<String, Object> consumerDefaults() {
        return Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    }

    /**
     * Tears the whole cluster down at once. Brokers halt rather than stop cleanly: CP members leaving gracefully
     * all together can leave the last one waiting (about two minutes) for a majority to acknowledge its departure.
     * Logs and metadata files are still closed properly.
     */
    @Override
    public void close() {
        ExecutorService stoppers = Executors.newFixedThreadPool(size(), new NamedThreads("embedded-cluster-stop"));
        try {
            List<CompletableFuture<Void>> stops = new ArrayList<>();
            for (int i = 1; i <= size(); i++) {
                int node = i;
                stops.add(CompletableFuture.runAsync(() -> kill(node), stoppers));
            }
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        } finally {
            stoppers.shutdown();
        }
    }
}
