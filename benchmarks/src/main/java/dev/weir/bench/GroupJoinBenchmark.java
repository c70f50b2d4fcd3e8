package dev.weir.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Time from join to assignment: N consumers of one new group subscribe to a topic of P partitions at
 * once, each polling on its own thread as an application would. A round's figure is the time from
 * releasing the threads (each then calls {@code subscribe} and {@code poll}) to the
 * {@code onPartitionsAssigned} callback that completes the group: every consumer holds partitions,
 * all of one generation, and together they cover the P partitions exactly once.
 *
 * <p>Each round uses a new group id, so each measures a fresh group's first rebalance, which the
 * broker's {@code group.initial.rebalance.delay.ms} (Kafka's default 3000 ms) dominates.
 */
final class GroupJoinBenchmark {

    /** One round: milliseconds from start to the first and to the completing assignment, final generation. */
    record Round(double firstAssignmentMs, double completeMs, int generation, int assignCallbacks) {
    }

    private final GroupJoinOptions options;
    private final PrintStream out;
    private final PrintStream err;

    GroupJoinBenchmark(GroupJoinOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    List<Round> run() {
        prepareTopic();
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<Round> measured = new ArrayList<>();
        int total = options.warmupRounds + options.rounds;
        for (int i = 0; i < total; i++) {
            boolean warmup = i < options.warmupRounds;
            String group = options.groupPrefix + "-" + runId + "-" + i;
            Round round = runRound(group);
            String label = warmup ? "warm-up round " + (i + 1) + " (not recorded)"
                    : "round " + (i - options.warmupRounds + 1) + "/" + options.rounds;
            err.printf("%s: %d consumers, %d partitions: first assignment %.1f ms, all assigned %.1f ms"
                            + " (generation %d, %d assignment callbacks)%n",
                    label, options.consumers, options.partitions, round.firstAssignmentMs(), round.completeMs(),
                    round.generation(), round.assignCallbacks());
            if (!warmup) {
                measured.add(round);
            }
        }
        printSummary(measured);
        return measured;
    }

    private void printSummary(List<Round> rounds) {
        List<Double> complete = rounds.stream().map(Round::completeMs).sorted().toList();
        List<Double> first = rounds.stream().map(Round::firstAssignmentMs).sorted().toList();
        out.printf("group-join: %d consumers, %d partitions, %d rounds: join to full assignment ms min %.1f"
                        + " median %.1f max %.1f (first consumer assigned: median %.1f)%n",
                options.consumers, options.partitions, rounds.size(), complete.get(0), median(complete),
                complete.get(complete.size() - 1), median(first));
        if (options.json) {
            StringBuilder all = new StringBuilder();
            complete.forEach(v -> all.append(all.length() == 0 ? "" : ",").append(String.format("%.1f", v)));
            out.printf("{\"phase\":\"group-join\",\"consumers\":%d,\"partitions\":%d,\"rounds\":%d,"
                            + "\"minMs\":%.1f,\"medianMs\":%.1f,\"maxMs\":%.1f,\"firstAssignedMedianMs\":%.1f,"
                            + "\"completeMs\":[%s]}%n",
                    options.consumers, options.partitions, rounds.size(), complete.get(0), median(complete),
                    complete.get(complete.size() - 1), median(first), all);
        }
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /**
     * Whether these assignments complete the group: every one of {@code consumers} holds partitions,
     * all from the same generation, and together they hold each of {@code partitions} exactly once.
     */
    static boolean complete(Map<Integer, Set<TopicPartition>> assignments, Map<Integer, Integer> generations,
                            int consumers, int partitions) {
        if (assignments.size() != consumers) {
            return false;
        }
        Set<TopicPartition> union = new HashSet<>();
        int sum = 0;
        for (Set<TopicPartition> a : assignments.values()) {
            if (a.isEmpty() && consumers <= partitions) {
                return false;
            }
            union.addAll(a);
            sum += a.size();
        }
        return union.size() == partitions && sum == partitions && new HashSet<>(generations.values()).size() == 1;
    }

    /** Shared among the consumer threads of one round; guarded by its own monitor. */
    private final class RoundState {
        final Map<Integer, Set<TopicPartition>> assignments = new HashMap<>();
        final Map<Integer, Integer> generations = new HashMap<>();
        final CountDownLatch done = new CountDownLatch(1);
        long start;
        long first = -1;
        long completed = -1;
        int callbacks;
        volatile Throwable failure;

        synchronized void assigned(int consumer, Collection<TopicPartition> added, int generation, long now) {
            callbacks++;
            if (first < 0 && !added.isEmpty()) {
                first = now;
            }
            assignments.computeIfAbsent(consumer, c -> new HashSet<>()).addAll(added);
            generations.put(consumer, generation);
            if (completed < 0 && complete(assignments, generations, options.consumers, options.partitions)) {
                completed = now;
                done.countDown();
            }
        }

        synchronized void revoked(int consumer, Collection<TopicPartition> removed) {
            Set<TopicPartition> a = assignments.get(consumer);
            if (a != null) {
                a.removeAll(removed);
            }
        }

        synchronized String describe() {
            Set<TopicPartition> union = new HashSet<>();
            assignments.values().forEach(union::addAll);
            return assignments.size() + " of " + options.consumers + " consumers assigned, "
                    + union.size() + " of " + options.partitions + " partitions covered, generations "
                    + new HashSet<>(generations.values());
        }
    }

    private Round runRound(String group) {
        RoundState state = new RoundState();
        List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
        for (int i = 0; i < options.consumers; i++) {
            consumers.add(new KafkaConsumer<>(consumerConfig(options, group, i)));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        var running = new java.util.concurrent.atomic.AtomicBoolean(true);
        for (int i = 0; i < consumers.size(); i++) {
            int index = i;
            KafkaConsumer<byte[], byte[]> consumer = consumers.get(i);
            Thread t = new Thread(() -> poll(index, consumer, state, go, running), "group-join-consumer-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        try {
            synchronized (state) {
                state.start = System.nanoTime();
            }
            go.countDown();
            if (!state.done.await(options.roundTimeoutSeconds, TimeUnit.SECONDS)) {
                throw new BenchmarkFailedException("group " + group + " not fully assigned within "
                        + options.roundTimeoutSeconds + " s: " + state.describe()
                        + (state.failure == null ? "" : "; a consumer failed: " + state.failure));
            }
            synchronized (state) {
                return new Round((state.first - state.start) / 1e6, (state.completed - state.start) / 1e6,
                        state.generations.values().iterator().next(), state.callbacks);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailedException("interrupted", e);
        } finally {
            running.set(false);
            for (Thread t : threads) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(options.roundTimeoutSeconds));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void poll(int index, KafkaConsumer<byte[], byte[]> consumer, RoundState state, CountDownLatch go,
                      java.util.concurrent.atomic.AtomicBoolean running) {
        try {
            go.await();
            consumer.subscribe(List.of(options.topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    long now = System.nanoTime();
                    state.assigned(index, partitions, consumer.groupMetadata().generationId(), now);
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    state.revoked(index, partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    state.revoked(index, partitions);
                }
            });
            while (running.get()) {
                consumer.poll(Duration.ofMillis(50));
            }
        } catch (Throwable t) {
            state.failure = t;
        } finally {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
        }
    }

    static Properties consumerConfig(GroupJoinOptions options, String group, int index) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "weir-group-join-" + index);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.putAll(options.consumerProps);
        return config;
    }

    /** Creates the topic with exactly --partitions partitions, or checks an existing one has that many. */
    private void prepareTopic() {
        long timeoutMs = TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds);
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 10_000));
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "weir-perf-admin");
        try (Admin admin = Admin.create(config)) {
            try {
                admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new BootstrapUnreachableException("cannot reach bootstrap " + options.bootstrapServer
                        + " within " + options.connectTimeoutSeconds + " s (is the broker running?)", e);
            }
            try {
                admin.createTopics(List.of(new NewTopic(options.topic, options.partitions, (short) 1)))
                        .all().get(timeoutMs, TimeUnit.MILLISECONDS);
                err.printf("created topic %s (%d partitions)%n", options.topic, options.partitions);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new BenchmarkFailedException("cannot create topic " + options.topic + ": " + e.getCause(), e);
                }
                int existing = admin.describeTopics(List.of(options.topic)).allTopicNames()
                        .get(timeoutMs, TimeUnit.MILLISECONDS).get(options.topic).partitions().size();
                if (existing != options.partitions) {
                    throw new BenchmarkFailedException("topic " + options.topic + " exists with " + existing
                            + " partitions, not " + options.partitions + "; name another --topic");
                }
            }
        } catch (TimeoutException | ExecutionException e) {
            throw new BenchmarkFailedException("cannot prepare topic " + options.topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailedException("interrupted while preparing topic", e);
        }
    }

    /** Options of {@code perf group-join}. */
    static final class GroupJoinOptions {
        @picocli.CommandLine.Option(names = "--bootstrap-server", defaultValue = "127.0.0.1:9092",
                description = "Bootstrap servers (default: ${DEFAULT-VALUE}).")
        String bootstrapServer;

        @picocli.CommandLine.Option(names = "--topic", defaultValue = "weir-group-join",
                description = "Topic, created with --partitions if missing (default: ${DEFAULT-VALUE}).")
        String topic;

        @picocli.CommandLine.Option(names = "--consumers", defaultValue = "10",
                description = "Consumers in the group (default: ${DEFAULT-VALUE}).")
        int consumers;

        @picocli.CommandLine.Option(names = "--partitions", defaultValue = "100",
                description = "Partitions of the topic (default: ${DEFAULT-VALUE}).")
        int partitions;

        @picocli.CommandLine.Option(names = "--rounds", defaultValue = "5",
                description = "Measured rounds, each with a new group (default: ${DEFAULT-VALUE}).")
        int rounds;

        @picocli.CommandLine.Option(names = "--warmup-rounds", defaultValue = "1",
                description = "Unrecorded rounds first (JIT, __consumer_offsets creation) (default: ${DEFAULT-VALUE}).")
        int warmupRounds;

        @picocli.CommandLine.Option(names = "--round-timeout-s", defaultValue = "60",
                description = "Fail a round not fully assigned within this many seconds (default: ${DEFAULT-VALUE}).")
        int roundTimeoutSeconds;

        @picocli.CommandLine.Option(names = "--group-prefix", defaultValue = "weir-group-join",
                description = "Group ids are PREFIX-RUN-ROUND (default: ${DEFAULT-VALUE}).")
        String groupPrefix;

        @picocli.CommandLine.Option(names = "--consumer-props", arity = "1..*", paramLabel = "KEY=VALUE",
                description = "Extra consumer configs, e.g. partition.assignment.strategy=...")
        Map<String, String> consumerProps = new LinkedHashMap<>();

        @picocli.CommandLine.Option(names = "--connect-timeout-s", defaultValue = "30",
                description = "Give up if the bootstrap is not reachable within this many seconds (default: ${DEFAULT-VALUE}).")
        int connectTimeoutSeconds;

        @picocli.CommandLine.Option(names = "--json", description = "Also print the summary as one JSON line.")
        boolean json;

        void validate() {
            require(consumers > 0, "--consumers must be > 0");
            require(partitions > 0, "--partitions must be > 0");
            require(rounds > 0, "--rounds must be > 0");
            require(warmupRounds >= 0, "--warmup-rounds must be >= 0");
            require(roundTimeoutSeconds > 0, "--round-timeout-s must be > 0");
            require(connectTimeoutSeconds > 0, "--connect-timeout-s must be > 0");
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
