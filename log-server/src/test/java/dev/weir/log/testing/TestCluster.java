package dev.weir.log.testing;

import static org.awaitility.Awaitility.await;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.server.WeirBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A cluster of in-process brokers, each with its own Kafka port, Hazelcast port and directory, fast
 * failure detection, and kafka-clients configured for all of them. {@link #kill} drops a broker out of
 * the cluster as a crash would (no goodbye to Hazelcast); {@link #restart} starts it again on the same
 * ports and directory. Brokers are numbered from 1 (their node id).
 */
public final class TestCluster implements AutoCloseable {
    private final Path dir;
    private final Map<String, String> overrides;
    private final int[] kafkaPorts;
    private final int[] clusterPorts;
    private final WeirBroker[] brokers;

    private TestCluster(Path dir, int size, Map<String, String> overrides) {
        this.dir = dir;
        this.overrides = overrides;
        this.kafkaPorts = new int[size + 1];
        this.clusterPorts = new int[size + 1];
        this.brokers = new WeirBroker[size + 1];
        for (int i = 1; i <= size; i++) {
            kafkaPorts[i] = freePort();
            clusterPorts[i] = freePort();
        }
    }

    /** Starts {@code size} brokers together (the CP subsystem forms once three have met) and waits until all registered. */
    public static TestCluster start(Path dir, int size, Map<String, String> overrides) {
        return start(dir, size, size, overrides);
    }

    /**
     * A cluster whose {@code cluster.members} names {@code totalBrokers} brokers, of which only the first
     * {@code initiallyRunning} (at least three, for the CP subsystem) start now; {@link #restart} starts the
     * others later, as brokers added to a running cluster.
     */
    public static TestCluster start(Path dir, int totalBrokers, int initiallyRunning, Map<String, String> overrides) {
        TestCluster cluster = new TestCluster(dir, totalBrokers, overrides);
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 1; i <= initiallyRunning; i++) {
            int node = i;
            starts.add(CompletableFuture.runAsync(() -> cluster.startBroker(node)));
        }
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.allBrokersSee(initiallyRunning));
        return cluster;
    }

    private boolean allBrokersSee(int size) {
        for (int i = 1; i < brokers.length; i++) {
            if (brokers[i] != null && brokers[i].metadata().current().brokers().size() != size) {
                return false;
            }
        }
        return true;
    }

    private void startBroker(int node) {
        Map<String, String> props = new HashMap<>();
        props.put("node.id", String.valueOf(node));
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + kafkaPorts[node]);
        props.put("log.dirs", dir.resolve("broker-" + node).toString());
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
        brokers[node] = WeirBroker.start(BrokerConfig.from(props));
    }

    public int size() {
        return brokers.length - 1;
    }

    public WeirBroker broker(int node) {
        return brokers[node];
    }

    public boolean isRunning(int node) {
        return brokers[node] != null;
    }

    /** The newest metadata image any running broker has. */
    public MetadataImage image() {
        MetadataImage newest = null;
        for (int i = 1; i < brokers.length; i++) {
            if (brokers[i] != null) {
                MetadataImage img = brokers[i].metadata().current();
                if (newest == null || img.version() > newest.version()) {
                    newest = img;
                }
            }
        }
        return newest;
    }

    public PartitionImage partition(String topic, int partition) {
        return image().topic(topic).orElseThrow().partitions().get(partition);
    }

    /**
     * Creates a topic with replication factor 3 through Admin and waits until every partition has a leader
     * and all three replicas in its ISR.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 3).configs(configs))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> image().topic(name).map(t -> t.partitions().stream()
                .allMatch(p -> p.isr().size() == 3 && p.leader() >= 0)).orElse(false));
    }

    /** Crashes a broker: it leaves the cluster without a goodbye, then stops. */
    public void kill(int node) {
        WeirBroker b = brokers[node];
        brokers[node] = null;
        if (b != null) {
            b.halt();
        }
    }

    /** Stops a broker cleanly. */
    public void stop(int node) {
        WeirBroker b = brokers[node];
        brokers[node] = null;
        if (b != null) {
            b.close();
        }
    }

    /** Starts a stopped or killed broker again on its ports and directory and waits until it is registered. */
    public void restart(int node) {
        startBroker(node);
        await().atMost(Duration.ofSeconds(30)).until(() -> image().brokers().containsKey(node));
    }

    public String bootstrap() {
        List<String> all = new ArrayList<>();
        for (int i = 1; i < brokers.length; i++) {
            all.add("127.0.0.1:" + kafkaPorts[i]);
        }
        return String.join(",", all);
    }

    public String bootstrap(int node) {
        return "127.0.0.1:" + kafkaPorts[node];
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    public KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    public KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(extra);
        return new KafkaConsumer<>(p);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Tears the whole cluster down at once. Brokers halt rather than stop cleanly: CP members leaving
     * gracefully all together can leave the last one waiting (about two minutes) for a majority to
     * acknowledge its departure. Logs and metadata files are still closed properly.
     */
    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (int i = 1; i < brokers.length; i++) {
            int node = i;
            stops.add(CompletableFuture.runAsync(() -> kill(node)));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }
}
