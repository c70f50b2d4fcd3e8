package dev.weir.log.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The metadata of a single-broker cluster, kept in memory and persisted as JSON in
 * {@code <first log dir>/weir-metadata.json} before any change becomes visible. The file is
 * replaced atomically (write to a temp file, fsync, rename), so a crash leaves the old or the new
 * image, never a torn one.
 *
 * <pre>
 * {"version": 7, "clusterId": "...", "nextProducerId": 2000,
 *  "topics": [{"name": "t", "id": "...", "configs": {"retention.ms": "1000"},
 *              "partitions": [{"partition": 0, "leader": 1, "leaderEpoch": 0, "replicas": [1], "isr": [1],
 *                              "partitionEpoch": 0}]}]}
 * </pre>
 *
 * Thread-safety: writes are serialized on this object; {@link #current()} is a volatile read.
 */
public final class LocalMetadataStore implements MetadataStore {
    public static final String FILE_NAME = "weir-metadata.json";

    private final Path file;
    private final int nodeId;
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image;
    private long nextProducerId;

    private LocalMetadataStore(Path file, int nodeId, MetadataImage image, long nextProducerId) {
        this.file = file;
        this.nodeId = nodeId;
        this.image = image;
        this.nextProducerId = nextProducerId;
    }

    /**
     * Loads the persisted image from {@code dir}, or starts an empty cluster with a new id. The broker
     * list is not persisted: it holds this broker once {@link #registerBroker} is called.
     */
    public static LocalMetadataStore open(Path dir, int nodeId) {
        Path file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            if (!Files.exists(file)) {
                MetadataImage empty = new MetadataImage(Uuid.randomUuid().toString(), nodeId, Map.of(), Map.of(), 0);
                LocalMetadataStore store = new LocalMetadataStore(file, nodeId, empty, 0);
                store.persist(empty, 0);
                return store;
            }
            JsonObject json = new JsonObject(Files.readString(file));
            Map<String, TopicImage> topics = new HashMap<>();
            for (Object t : json.getJsonArray("topics", new JsonArray())) {
                TopicImage topic = topicFromJson((JsonObject) t);
                topics.put(topic.name(), topic);
            }
            MetadataImage image = new MetadataImage(json.getString("clusterId"), nodeId, Map.of(), topics,
                    json.getLong("version", 0L));
            return new LocalMetadataStore(file, nodeId, image, json.getLong("nextProducerId", 0L));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cluster metadata " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cluster metadata " + file + " is unreadable (" + e.getMessage()
                    + "); restore it from a backup or move it away to start with no topics", e);
        }
    }

    @Override
    public MetadataImage current() {
        return image;
    }

    @Override
    public synchronized void registerBroker(BrokerInfo broker) {
        MetadataImage next = new MetadataImage(image.clusterId(), image.controllerId(), Map.of(broker.nodeId(), broker),
                image.topics(), image.version());
        this.image = next;
        listeners.forEach(l -> l.accept(next));
    }

    @Override
    public synchronized TopicImage createTopic(String name, int partitions, int replicationFactor,
                                               Map<String, String> configs) {
        if (image.topics().containsKey(name)) {
            throw new TopicExistsException("topic '" + name + "' already exists");
        }
        checkReplicationFactor(replicationFactor);
        if (partitions < 1) {
            throw new InvalidPartitionsException("a topic needs at least one partition, not " + partitions);
        }
        List<PartitionImage> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(newPartition(p));
        }
        TopicImage topic = new TopicImage(name, Uuid.randomUuid(), parts, configs);
        apply(withTopic(topic), nextProducerId);
        return topic;
    }

    @Override
    public synchronized void deleteTopic(String name) {
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        if (topics.remove(name) == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        apply(with(topics), nextProducerId);
    }

    @Override
    public synchronized TopicImage createPartitions(String name, int totalPartitions) {
        TopicImage topic = existing(name);
        int current = topic.partitions().size();
        if (totalPartitions <= current) {
            throw new InvalidPartitionsException("topic '" + name + "' has " + current
                    + " partitions; the new count must be larger, not " + totalPartitions);
        }
        List<PartitionImage> parts = new ArrayList<>(topic.partitions());
        for (int p = current; p < totalPartitions; p++) {
            parts.add(newPartition(p));
        }
        TopicImage grown = new TopicImage(name, topic.id(), parts, topic.configs());
        apply(withTopic(grown), nextProducerId);
        return grown;
    }

    @Override
    public synchronized TopicImage setTopicConfigs(String name, Map<String, String> configs) {
        TopicImage topic = existing(name);
        TopicImage changed = new TopicImage(name, topic.id(), topic.partitions(), configs);
        apply(withTopic(changed), nextProducerId);
        return changed;
    }

    @Override
    public synchronized long allocateProducerIds(int count) {
        long first = nextProducerId;
        apply(image, first + count);
        return first;
    }

    @Override
    public void addListener(Consumer<MetadataImage> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }

    private void checkReplicationFactor(int replicationFactor) {
        int brokers = image.brokers().size();
        if (replicationFactor < 1 || replicationFactor > brokers) {
            throw new InvalidReplicationFactorException("replication factor " + replicationFactor
                    + " is not possible with " + brokers + " broker(s); use a value from 1 to " + brokers);
        }
    }

    private PartitionImage newPartition(int partition) {
        return new PartitionImage(partition, nodeId, 0, List.of(nodeId), List.of(nodeId), 0);
    }

    private TopicImage existing(String name) {
        TopicImage topic = image.topics().get(name);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        return topic;
    }

    private MetadataImage withTopic(TopicImage topic) {
        Map<String, TopicImage> topics = new HashMap<>(image.topics());
        topics.put(topic.name(), topic);
        return with(topics);
    }

    private MetadataImage with(Map<String, TopicImage> topics) {
        return new MetadataImage(image.clusterId(), image.controllerId(), image.brokers(), topics, image.version() + 1);
    }

    private void apply(MetadataImage next, long nextPid) {
        persist(next, nextPid);
        this.nextProducerId = nextPid;
        this.image = next;
        listeners.forEach(l -> l.accept(next));
    }

    private void persist(MetadataImage next, long nextPid) {
        JsonArray topics = new JsonArray();
        next.topics().values().stream()
                .sorted(java.util.Comparator.comparing(TopicImage::name))
                .forEach(t -> topics.add(topicToJson(t)));
        JsonObject json = new JsonObject()
                .put("version", next.version())
                .put("clusterId", next.clusterId())
                .put("nextProducerId", nextPid)
                .put("topics", topics);
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(json.encodePrettily().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cluster metadata " + tmp, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace cluster metadata " + file, e);
        }
    }

    private static JsonObject topicToJson(TopicImage t) {
        JsonArray parts = new JsonArray();
        for (PartitionImage p : t.partitions()) {
            parts.add(new JsonObject()
                    .put("partition", p.partition())
                    .put("leader", p.leader())
                    .put("leaderEpoch", p.leaderEpoch())
                    .put("replicas", new JsonArray(new ArrayList<>(p.replicas())))
                    .put("isr", new JsonArray(new ArrayList<>(p.isr())))
                    .put("partitionEpoch", p.partitionEpoch()));
        }
        return new JsonObject()
                .put("name", t.name())
                .put("id", t.id().toString())
                .put("configs", new JsonObject(new LinkedHashMap<>(t.configs())))
                .put("partitions", parts);
    }

    private static TopicImage topicFromJson(JsonObject json) {
        List<PartitionImage> parts = new ArrayList<>();
        for (Object o : json.getJsonArray("partitions")) {
            JsonObject p = (JsonObject) o;
            parts.add(new PartitionImage(p.getInteger("partition"), p.getInteger("leader"), p.getInteger("leaderEpoch"),
                    ints(p.getJsonArray("replicas")), ints(p.getJsonArray("isr")), p.getInteger("partitionEpoch")));
        }
        Map<String, String> configs = new HashMap<>();
        json.getJsonObject("configs", new JsonObject()).forEach(e -> configs.put(e.getKey(), String.valueOf(e.getValue())));
        return new TopicImage(json.getString("name"), Uuid.fromString(json.getString("id")), parts, configs);
    }

    private static List<Integer> ints(JsonArray array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(o -> out.add(((Number) o).intValue()));
        return out;
    }
}
