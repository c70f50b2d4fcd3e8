package dev.weir.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.Option;

/**
 * {@code perf await-isr}: waits until the cluster has {@code --brokers} brokers and every partition of every
 * topic (internal ones included) has a leader and all its replicas in the ISR, e.g. after restarting a
 * killed broker. Prints how long that took; fails after {@code --timeout-s} naming the partitions still short.
 */
final class AwaitIsr {

    private final AwaitIsrOptions options;
    private final PrintStream out;
    private final PrintStream err;

    AwaitIsr(AwaitIsrOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    void run() {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "weir-perf-await-isr");
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(options.timeoutSeconds);
        List<String> short_ = List.of("not asked yet");
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    short_ = shortPartitions(admin);
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    short_ = List.of("cannot describe the cluster: " + e);
                }
                if (short_.isEmpty()) {
                    out.printf(Locale.ROOT, "await-isr: %d brokers, every partition's replicas in its ISR after %.1f s%n",
                            options.brokers, (System.nanoTime() - start) / 1e9);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new BenchmarkFailedException("after " + options.timeoutSeconds + " s still short: "
                            + String.join("; ", short_.subList(0, Math.min(10, short_.size()))));
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailedException("interrupted", e);
        }
    }

    /** One line per reason the cluster is not complete yet; empty when it is. */
    private List<String> shortPartitions(Admin admin) throws ExecutionException, TimeoutException, InterruptedException {
        List<String> problems = new ArrayList<>();
        Collection<Node> nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        if (nodes.size() < options.brokers) {
            problems.add(nodes.size() + " of " + options.brokers + " brokers in the cluster");
            return problems;
        }
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(10, TimeUnit.SECONDS);
        Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        for (TopicDescription t : topics.values()) {
            for (TopicPartitionInfo p : t.partitions()) {
                if (p.leader() == null || p.leader().isEmpty() || p.isr().size() < p.replicas().size()) {
                    problems.add(t.name() + "-" + p.partition() + " leader " + (p.leader() == null ? "none" : p.leader().id())
                            + " replicas " + p.replicas().stream().map(Node::id).toList()
                            + " ISR " + p.isr().stream().map(Node::id).toList());
                }
            }
        }
        return problems;
    }

    /** Options of {@code perf await-isr}. */
    static final class AwaitIsrOptions {
        @Option(names = "--bootstrap-server", defaultValue = "127.0.0.1:9092",
                description = "Bootstrap servers (default: ${DEFAULT-VALUE}).")
        String bootstrapServer;

        @Option(names = "--brokers", defaultValue = "3",
                description = "Brokers the cluster must have (default: ${DEFAULT-VALUE}).")
        int brokers;

        @Option(names = "--timeout-s", defaultValue = "120",
                description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;
    }
}
