package dev.weir.log.config;

import static dev.weir.common.config.ConfigKey.Rule.ANY;
import static dev.weir.common.config.ConfigKey.Rule.atLeast;
import static dev.weir.common.config.ConfigKey.Rule.between;
import static dev.weir.common.config.ConfigKey.Rule.listOf;
import static dev.weir.common.config.ConfigKey.Rule.oneOf;
import static dev.weir.common.config.ConfigType.BOOLEAN;
import static dev.weir.common.config.ConfigType.DOUBLE;
import static dev.weir.common.config.ConfigType.INT;
import static dev.weir.common.config.ConfigType.LIST;
import static dev.weir.common.config.ConfigType.LONG;
import static dev.weir.common.config.ConfigType.STRING;

import dev.weir.log.storage.CleanupConfig;
import dev.weir.log.storage.LogConfig;
import dev.weir.common.config.ConfigException;
import dev.weir.common.config.ConfigKey;
import dev.weir.common.config.ConfigType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The topic-level configs Weir knows, with Kafka's names, defaults and limits. A topic stores only
 * its overrides; every other value comes from the broker's synonym config, else Kafka's default.
 */
public final class TopicConfigs {
    private TopicConfigs() {}

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    private static final String LONG_MAX = String.valueOf(Long.MAX_VALUE);

    public static final List<ConfigKey> KEYS = List.of(
            key(CLEANUP_POLICY, LIST, "delete", listOf("delete", "compact"), "log.cleanup.policy",
                    "delete: drop old segments by retention; compact: keep the last record per key"),
            key("compression.type", STRING, "producer", oneOf("producer"), "compression.type",
                    "Weir stores batches as the producer compressed them (any of none, gzip, snappy, lz4, zstd)"),
            key("delete.retention.ms", LONG, "86400000", atLeast(0), "log.cleaner.delete.retention.ms",
                    "how long tombstones are kept in a compacted topic"),
            key("file.delete.delay.ms", LONG, "60000", atLeast(0), "log.segment.delete.delay.ms",
                    "delay before a deleted segment's files are removed"),
            key("flush.messages", LONG, LONG_MAX, atLeast(1), "log.flush.interval.messages",
                    "fsync after this many messages"),
            key("flush.ms", LONG, LONG_MAX, atLeast(0), "log.flush.interval.ms",
                    "fsync when data is older than this"),
            key("index.interval.bytes", INT, "4096", atLeast(0), "log.index.interval.bytes",
                    "bytes of log between offset-index entries"),
            key("max.compaction.lag.ms", LONG, LONG_MAX, atLeast(1), "log.cleaner.max.compaction.lag.ms",
                    "longest time a record stays uncompacted"),
            key("max.message.bytes", INT, "1048588", atLeast(0), "message.max.bytes",
                    "largest record batch the topic accepts"),
            key("message.timestamp.type", STRING, "CreateTime", oneOf("CreateTime", "LogAppendTime"),
                    "log.message.timestamp.type", "CreateTime keeps the producer's timestamp; LogAppendTime sets the broker's"),
            key("min.cleanable.dirty.ratio", DOUBLE, "0.5", between(0, 1), "log.cleaner.min.cleanable.ratio",
                    "share of uncompacted log that makes a partition eligible for cleaning"),
            key("min.compaction.lag.ms", LONG, "0", atLeast(0), "log.cleaner.min.compaction.lag.ms",
                    "shortest time a record stays uncompacted"),
            key(MIN_INSYNC_REPLICAS, INT, "1", atLeast(1), "min.insync.replicas",
                    "replicas that must acknowledge an acks=all write"),
            key("retention.bytes", LONG, "-1", ANY, "log.retention.bytes",
                    "largest partition size before old segments are deleted; -1 is unlimited"),
            key("retention.ms", LONG, "604800000", atLeast(-1), "log.retention.ms",
                    "age after which segments are deleted; -1 is unlimited"),
            key("segment.bytes", INT, "1073741824", atLeast(1024 * 1024), "log.segment.bytes",
                    "size at which a new segment is rolled"),
            key("segment.index.bytes", INT, "10485760", atLeast(8), "log.index.size.max.bytes",
                    "size of a segment's offset index"),
            key("segment.ms", LONG, "604800000", atLeast(1), "log.roll.ms",
                    "age at which a new segment is rolled"),
            key("unclean.leader.election.enable", BOOLEAN, "false", ANY, "unclean.leader.election.enable",
                    "whether an out-of-sync replica may become leader, losing data"));

    private static final Map<String, ConfigKey> BY_NAME = new LinkedHashMap<>();

    static {
        KEYS.forEach(k -> BY_NAME.put(k.name(), k));
    }

    private static ConfigKey key(String name, ConfigType type, String def, ConfigKey.Rule rule, String broker, String doc) {
        return new ConfigKey(name, type, def, rule, broker, doc);
    }

    public static Optional<ConfigKey> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * Checks topic overrides: every key must be a known topic config and every value valid.
     * @throws ConfigException naming the first bad key
     */
    public static void validate(Map<String, String> overrides) {
        overrides.forEach((name, value) -> {
            ConfigKey key = BY_NAME.get(name);
            if (key == null) {
                throw new ConfigException("unknown topic config '" + name + "'");
            }
            key.parse(value);
        });
    }

    /** The value of one topic config and where it came from. */
    public record Value(ConfigKey key, String value, Source source) {}

    public enum Source { TOPIC, BROKER, DEFAULT }

    /** Every topic config's effective value, in name order. */
    public static List<Value> effective(Map<String, String> overrides, BrokerConfig broker) {
        return KEYS.stream().map(k -> {
            if (overrides.containsKey(k.name())) {
                return new Value(k, overrides.get(k.name()), Source.TOPIC);
            }
            Optional<String> fromBroker = broker.explicit(k.synonym());
            return fromBroker.map(v -> new Value(k, v, Source.BROKER))
                    .orElseGet(() -> new Value(k, k.defaultValue(), Source.DEFAULT));
        }).toList();
    }

    /** The typed view of a topic's effective configs. */
    public static Resolved resolve(Map<String, String> overrides, BrokerConfig broker) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Value v : effective(overrides, broker)) {
            values.put(v.key().name(), v.key().parse(v.value()));
        }
        return new Resolved(values);
    }

    /** Parsed effective values of one topic. */
    public record Resolved(Map<String, Object> values) {
        public int getInt(String key) {
            return ((Number) values.get(key)).intValue();
        }

        public long getLong(String key) {
            return ((Number) values.get(key)).longValue();
        }

        public boolean compacted() {
            return ((List<?>) values.get(CLEANUP_POLICY)).contains("compact");
        }

        public LogConfig toLogConfig() {
            return new LogConfig(
                    getInt("segment.bytes"),
                    getLong("segment.ms"),
                    getLong("retention.ms"),
                    getLong("retention.bytes"),
                    getInt("max.message.bytes"),
                    getInt("index.interval.bytes"),
                    getInt("segment.index.bytes"),
                    "LogAppendTime".equals(values.get("message.timestamp.type")),
                    getLong("file.delete.delay.ms"),
                    getLong("flush.messages"),
                    getLong("flush.ms"),
                    new CleanupConfig(
                            ((List<?>) values.get(CLEANUP_POLICY)).contains("delete"),
                            compacted(),
                            ((Number) values.get("min.cleanable.dirty.ratio")).doubleValue(),
                            getLong("min.compaction.lag.ms"),
                            getLong("max.compaction.lag.ms"),
                            getLong("delete.retention.ms")));
        }
    }
}
