package dev.weir.log.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The metadata image as JSON: the form kept in the CP subsystem and in every broker's
 * {@code weir-metadata.json}. Fields missing in older files take their defaults.
 *
 * <pre>
 * {"version": 7, "clusterId": "...", "controllerId": 2, "controllerEpoch": 3, "nextProducerId": 2000,
 *  "brokers": [{"nodeId": 1, "host": "127.0.0.1", "port": 9092, "rack": null, "incarnation": "..."}],
 *  "topics": [{"name": "t", "id": "...", "configs": {"retention.ms": "1000"},
 *              "partitions": [{"partition": 0, "leader": 1, "leaderEpoch": 0, "replicas": [1, 2, 3],
 *                              "isr": [1, 2, 3], "partitionEpoch": 0, "adding": [], "removing": []}]}]}
 * </pre>
 */
public final class ImageCodec {
    private ImageCodec() {
    }

    public static byte[] encode(MetadataImage image) {
        return toJson(image).encodePrettily().getBytes(StandardCharsets.UTF_8);
    }

    public static MetadataImage decode(byte[] bytes) {
        return fromJson(new JsonObject(new String(bytes, StandardCharsets.UTF_8)));
    }

    static JsonObject toJson(MetadataImage image) {
        JsonArray brokers = new JsonArray();
        image.brokers().values().stream().sorted(Comparator.comparingInt(BrokerInfo::nodeId)).forEach(b ->
                brokers.add(new JsonObject().put("nodeId", b.nodeId()).put("host", b.host()).put("port", b.port())
                        .put("rack", b.rack()).put("incarnation", b.incarnation())));
        JsonArray topics = new JsonArray();
        image.topics().values().stream().sorted(Comparator.comparing(TopicImage::name))
                .forEach(t -> topics.add(topicToJson(t)));
        return new JsonObject()
                .put("version", image.version())
                .put("clusterId", image.clusterId())
                .put("controllerId", image.controllerId())
                .put("controllerEpoch", image.controllerEpoch())
                .put("nextProducerId", image.nextProducerId())
                .put("brokers", brokers)
                .put("topics", topics);
    }

    static MetadataImage fromJson(JsonObject json) {
        Map<Integer, BrokerInfo> brokers = new HashMap<>();
        for (Object o : json.getJsonArray("brokers", new JsonArray())) {
            JsonObject b = (JsonObject) o;
            brokers.put(b.getInteger("nodeId"), new BrokerInfo(b.getInteger("nodeId"), b.getString("host"),
                    b.getInteger("port"), b.getString("rack"), b.getString("incarnation")));
        }
        Map<String, TopicImage> topics = new HashMap<>();
        for (Object t : json.getJsonArray("topics", new JsonArray())) {
            TopicImage topic = topicFromJson((JsonObject) t);
            topics.put(topic.name(), topic);
        }
        return new MetadataImage(json.getString("clusterId"), json.getInteger("controllerId", -1),
                json.getLong("controllerEpoch", 0L), brokers, topics, json.getLong("nextProducerId", 0L),
                json.getLong("version", 0L));
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
                    .put("partitionEpoch", p.partitionEpoch())
                    .put("adding", new JsonArray(new ArrayList<>(p.addingReplicas())))
                    .put("removing", new JsonArray(new ArrayList<>(p.removingReplicas()))));
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
                    ints(p.getJsonArray("replicas")), ints(p.getJsonArray("isr")), p.getInteger("partitionEpoch"),
                    ints(p.getJsonArray("adding", new JsonArray())), ints(p.getJsonArray("removing", new JsonArray()))));
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
