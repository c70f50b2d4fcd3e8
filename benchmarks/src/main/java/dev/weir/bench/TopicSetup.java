package dev.weir.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Checks the bootstrap is reachable and the benchmark topic exists, through the Admin API.
 *
 * <p>Done before any phase so an unreachable broker fails fast with one clear message instead of
 * a producer blocking in {@code send()} for max.block.ms.
 */
final class TopicSetup {

    private final PerfOptions options;
    private final PrintStream log;

    TopicSetup(PerfOptions options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    /** Waits for the cluster, then creates the topic if missing. Returns its partition count. */
    int prepare(boolean mayCreate) {
        long timeoutMs = TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds);
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 10_000));
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "weir-perf-admin");
        try (Admin admin = Admin.create(config)) {
            awaitCluster(admin, timeoutMs);
            return describeOrCreate(admin, mayCreate, timeoutMs);
        }
    }

    private void awaitCluster(Admin admin, long timeoutMs) {
        try {
            admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new BootstrapUnreachableException("cannot reach bootstrap " + options.bootstrapServer
                    + " within " + options.connectTimeoutSeconds + " s (is the broker running?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailedException("interrupted while connecting", e);
        }
    }

    private int describeOrCreate(Admin admin, boolean mayCreate, long timeoutMs) {
        try {
            Set<String> names = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            if (!names.contains(options.topic)) {
                if (!mayCreate) {
                    throw new BenchmarkFailedException("topic " + options.topic + " does not exist");
                }
                create(admin, timeoutMs);
                return options.partitions;
            }
            Map<String, TopicDescription> described = admin.describeTopics(List.of(options.topic))
                    .allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
            int existing = described.get(options.topic).partitions().size();
            if (mayCreate && existing != options.partitions) {
                log.printf("note: topic %s already exists with %d partitions (asked for %d); using it as is%n",
                        options.topic, existing, options.partitions);
            }
            return existing;
        } catch (TimeoutException | ExecutionException e) {
            throw new BenchmarkFailedException("cannot describe topic " + options.topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailedException("interrupted while preparing topic", e);
        }
    }

    private void create(Admin admin, long timeoutMs) throws InterruptedException, TimeoutException {
        try {
            admin.createTopics(List.of(new NewTopic(options.topic, options.partitions, options.replicationFactor)))
                    .all().get(timeoutMs, TimeUnit.MILLISECONDS);
            log.printf("created topic %s (%d partitions, RF %d)%n",
                    options.topic, options.partitions, options.replicationFactor);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new BenchmarkFailedException("cannot create topic " + options.topic + ": " + e.getCause(), e);
            }
        }
    }
}
