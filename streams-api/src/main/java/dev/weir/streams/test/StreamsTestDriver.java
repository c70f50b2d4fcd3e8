package dev.weir.streams.test;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.internal.PartitionPlan;
import dev.weir.streams.internal.RawRecord;
import dev.weir.streams.internal.StoreFactory;
import dev.weir.streams.internal.StoreSpec;
import dev.weir.streams.internal.StreamTask;
import dev.weir.streams.TaskId;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.state.BytesStore;
import dev.weir.streams.state.KeyValueIterator;
import dev.weir.streams.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;

/**
 * Runs a topology in memory, without a broker, the way the runtime runs it: every topic has several
 * partitions ({@value #PARTITIONS}, default 4), records are partitioned by the murmur2 hash of their
 * key bytes like kafka-clients' producer, each (sub-topology, partition) is its own task with its own
 * stores and stream time, and repartition and changelog topics are real in-memory topics between the
 * tasks. A topology that forgets to repartition before a stateful operation therefore gives wrong
 * results here, as it would in production (Kafka's {@code TopologyTestDriver} runs one partition and
 * hides that), and {@link #storeContents} reports a key found in two tasks.
 *
 * <p>Deterministic: tasks run in task-id order until all are idle after every input; output order is
 * write order. Wall-clock time only moves through {@link #advanceWallClockTime}. Stores are in memory
 * unless {@code default.dsl.store=rocksDB} is set (then under a temporary {@code state.dir}).
 */
public final class StreamsTestDriver implements AutoCloseable {
    /** Partitions of every topic the test does not size itself. */
    public static final String PARTITIONS = "test.partitions";

    record Stored(int partition, long offset, byte[] key, byte[] value, long timestamp, long sequence,
                  Headers headers) {
    }

    private final Topology topology;
    private final String applicationId;
    private final int defaultPartitions;
    private final Map<String, List<List<Stored>>> topics = new HashMap<>();
    private final Map<String, Integer> roundRobin = new HashMap<>();
    private final TreeMap<TaskId, StreamTask> tasks = new TreeMap<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final Map<TaskId, Map<String, BytesStore>> taskStores = new HashMap<>();
    private final StoreFactory storeFactory;
    private final Path tempStateDir;
    private final PartitionPlan plan;
    private long sequence;
    private long wallClock;
    private boolean running;

    public StreamsTestDriver(Topology topology) {
        this(topology, Map.of(), Map.of());
    }

    public StreamsTestDriver(Topology topology, Map<String, ?> config) {
        this(topology, config, Map.of());
    }

    /**
     * @param topicPartitions partition counts for particular topics (source topics of pattern streams
     *                        must be listed here to be matched)
     */
    public StreamsTestDriver(Topology topology, Map<String, ?> config, Map<String, Integer> topicPartitions) {
        Map<String, Object> props = new HashMap<>(config);
        props.putIfAbsent(StreamsConfig.APPLICATION_ID, "test-app");
        props.putIfAbsent(StreamsConfig.DEFAULT_DSL_STORE, "in_memory");
        StreamsConfig cfg = new StreamsConfig(props);
        this.topology = topology;
        this.applicationId = cfg.applicationId();
        this.defaultPartitions = Integer.parseInt(String.valueOf(props.getOrDefault(PARTITIONS, "4")));
        topicPartitions.forEach(this::createTopic);
        for (Topology.SubTopology s : topology.subTopologies()) {
            for (String t : s.sourceTopics()) {
                if (!topology.repartitionTopics().contains(t)) {
                    topics.computeIfAbsent(t, x -> newPartitions(defaultPartitions));
                }
            }
        }
        this.plan = PartitionPlan.of(topology, applicationId,
                t -> topics.containsKey(t) ? topics.get(t).size() : null, topics.keySet());
        plan.internalTopics().forEach(this::createTopic);
        try {
            this.tempStateDir = props.containsKey(StreamsConfig.STATE_DIR) ? null
                    : Files.createTempDirectory("weir-streams-test-driver");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path stateDir = tempStateDir != null ? tempStateDir : cfg.stateDir();
        this.storeFactory = new StoreFactory(cfg.defaultStoreType(), stateDir.resolve(applicationId),
                cfg.rocksDbMemoryBytes());
        for (TaskId id : plan.allTasks()) {
            Map<String, BytesStore> stores = new LinkedHashMap<>();
            for (String store : topology.subTopologies().get(id.subTopology()).stores()) {
                StoreSpec spec = topology.stores().get(store);
                stores.put(store, storeFactory.open(id, spec));
            }
            taskStores.put(id, stores);
            List<String> inputs = plan.sourceTopics().get(id.subTopology()).stream()
                    .filter(t -> id.partition() < topics.get(t).size()).toList();
            StreamTask task = new StreamTask(id, topology, applicationId, inputs, stores, this::append,
                    () -> wallClock, cfg.errorPolicy());
            tasks.put(id, task);
            task.inputPartitions().forEach(tp -> positions.put(tp, 0L));
        }
    }

    private static List<List<Stored>> newPartitions(int n) {
        List<List<Stored>> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ps.add(new ArrayList<>());
        }
        return ps;
    }

    /** Creates a topic with the given partition count; fails if it exists with another count. */
    public void createTopic(String name, int partitions) {
        List<List<Stored>> existing = topics.putIfAbsent(name, newPartitions(partitions));
        if (existing != null && existing.size() != partitions) {
            throw new IllegalStateException("topic " + name + " exists with " + existing.size() + " partitions, not "
                    + partitions);
        }
    }

    public <K, V> TestInputTopic<K, V> inputTopic(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        topics.computeIfAbsent(topic, t -> newPartitions(defaultPartitions));
        return new TestInputTopic<>(this, topic, keySerde, valueSerde);
    }

    public <K, V> TestOutputTopic<K, V> outputTopic(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        return new TestOutputTopic<>(this, topic, keySerde, valueSerde);
    }

    public long wallClockTime() {
        return wallClock;
    }

    /** Moves the clock forward, fires the wall-clock punctuations that are due, and runs until idle. */
    public void advanceWallClockTime(Duration d) {
        wallClock += d.toMillis();
        for (StreamTask t : tasks.values()) {
            t.punctuateWallClock();
        }
        runUntilIdle();
    }

    /** The real name of a topic of the topology: {@code counts-repartition} becomes {@code <app>-counts-repartition}. */
    public String topicName(String topologyTopic) {
        return topology.topicName(applicationId, topologyTopic);
    }

    /** Partition count of a topic in the driver, or 0 if it does not exist. */
    public int partitions(String topic) {
        List<List<Stored>> t = topics.get(topic);
        return t == null ? 0 : t.size();
    }

    public List<TaskId> taskIds() {
        return List.copyOf(tasks.keySet());
    }

    public long streamTime(TaskId task) {
        return tasks.get(task).streamTime();
    }

    /** Records a task dropped as later than the grace period of all their windows. */
    public long lateDropped(TaskId task) {
        return tasks.get(task).lateDropped();
    }

    /** Records a task skipped through a continue error handler. */
    public long skipped(TaskId task) {
        return tasks.get(task).skipped();
    }

    /** Records a task has processed (to check work really spread over partitions). */
    public long processed(TaskId task) {
        return tasks.get(task).processed();
    }

    /**
     * The contents of a store over all its tasks. Fails if one key is in two tasks: records with equal keys
     * reached different tasks, which is a partitioning bug.
     */
    @SuppressWarnings("unchecked")
    public <K, V> Map<K, V> storeContents(String store) {
        if (!topology.stores().containsKey(store)) {
            throw new IllegalArgumentException("no store named '" + store + "'; stores: " + topology.stores().keySet());
        }
        Map<K, V> all = new LinkedHashMap<>();
        Map<K, TaskId> owner = new HashMap<>();
        for (StreamTask t : tasks.values()) {
            var s = t.stores().get(store);
            if (s == null) {
                continue;
            }
            try (KeyValueIterator<Object, Object> it = s.all()) {
                while (it.hasNext()) {
                    KeyValue<Object, Object> kv = it.next();
                    TaskId before = owner.put((K) kv.key(), t.id());
                    if (before != null) {
                        throw new IllegalStateException("key " + kv.key() + " of store '" + store + "' is in tasks "
                                + before + " and " + t.id() + ": records with equal keys reached different tasks");
                    }
                    all.put((K) kv.key(), (V) kv.value());
                }
            }
        }
        return all;
    }

    // ---- the in-memory log

    void append(String topic, Integer partition, byte[] key, byte[] value, long timestamp) {
        append(topic, partition, key, value, timestamp, null);
    }

    void append(String topic, Integer partition, byte[] key, byte[] value, long timestamp, Headers headers) {
        List<List<Stored>> parts = topics.computeIfAbsent(topic, t -> newPartitions(defaultPartitions));
        int p;
        if (partition != null) {
            if (partition < 0 || partition >= parts.size()) {
                throw new IllegalArgumentException(topic + " has no partition " + partition);
            }
            p = partition;
        } else if (key != null) {
            p = Utils.toPositive(Utils.murmur2(key)) % parts.size();
        } else {
            p = roundRobin.merge(topic, 1, Integer::sum) % parts.size();
        }
        List<Stored> log = parts.get(p);
        log.add(new Stored(p, log.size(), key, value, timestamp, sequence++,
                headers == null ? new RecordHeaders() : headers));
    }

    List<Stored> readFrom(String topic, long fromSequence) {
        List<List<Stored>> parts = topics.get(topic);
        if (parts == null) {
            return List.of();
        }
        List<Stored> out = new ArrayList<>();
        for (List<Stored> log : parts) {
            for (int i = log.size() - 1; i >= 0 && log.get(i).sequence() >= fromSequence; i--) {
                out.add(log.get(i));
            }
        }
        out.sort(Comparator.comparingLong(Stored::sequence));
        return out;
    }

    /** Feeds every task what its input partitions hold beyond its position, and processes, until all are idle. */
    void runUntilIdle() {
        if (running) {
            return; // a processor piped input from inside processing: the outer loop picks it up
        }
        running = true;
        try {
            boolean progress = true;
            while (progress) {
                progress = false;
                for (StreamTask task : tasks.values()) {
                    for (TopicPartition tp : task.inputPartitions()) {
                        List<Stored> log = topics.get(tp.topic()).get(tp.partition());
                        long pos = positions.get(tp);
                        for (long o = pos; o < log.size(); o++) {
                            Stored s = log.get((int) o);
                            task.add(new RawRecord(tp.topic(), tp.partition(), s.offset(), s.key(), s.value(),
                                    s.timestamp()));
                        }
                        positions.put(tp, (long) log.size());
                    }
                    while (task.processOne()) {
                        progress = true;
                    }
                }
            }
        } finally {
            running = false;
        }
    }

    @Override
    public void close() {
        tasks.values().forEach(StreamTask::close);
        taskStores.values().forEach(m -> m.values().forEach(BytesStore::close));
        storeFactory.close();
        if (tempStateDir != null) {
            try (var walk = Files.walk(tempStateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory: best effort
            }
        }
    }
}
