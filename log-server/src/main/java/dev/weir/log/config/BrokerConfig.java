package dev.weir.log.config;

import static dev.weir.common.config.ConfigKey.Rule.ANY;
import static dev.weir.common.config.ConfigKey.Rule.atLeast;

import dev.weir.common.config.ConfigException;
import dev.weir.common.config.ConfigKey;
import dev.weir.common.config.ConfigType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's configuration, under Kafka's names and with Kafka's defaults (except where noted).
 * Built once from the config file and overrides; immutable. Topic-config defaults (log.retention.ms
 * and friends) are kept as given so {@link TopicConfigs} can tell a broker setting from a default.
 */
public final class BrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    /** Broker configs proper (topic-config synonyms are accepted too, see {@link TopicConfigs}). */
    public static final List<ConfigKey> KEYS = List.of(
            key("node.id", ConfigType.INT, "1", atLeast(0), "this broker's id (Weir defaults to 1 for a single broker)"),
            key("listeners", ConfigType.STRING, "PLAINTEXT://127.0.0.1:9092", ANY, "where the broker listens"),
            key("advertised.listeners", ConfigType.STRING, "", ANY, "addresses given to clients; defaults to listeners"),
            key("log.dirs", ConfigType.LIST, "./data", ANY, "directories holding partition logs"),
            key("num.partitions", ConfigType.INT, "1", atLeast(1), "partitions of an auto-created topic"),
            key("default.replication.factor", ConfigType.INT, "1", atLeast(1), "replication factor of an auto-created topic"),
            key("auto.create.topics.enable", ConfigType.BOOLEAN, "true", ANY, "create a topic when a client asks for its metadata"),
            key("delete.topic.enable", ConfigType.BOOLEAN, "true", ANY, "allow topic deletion"),
            key("num.network.threads", ConfigType.INT, "3", atLeast(1), "event loops serving connections"),
            key("num.io.threads", ConfigType.INT, "8", atLeast(1), "threads handling requests"),
            key("socket.request.max.bytes", ConfigType.INT, "104857600", atLeast(1), "largest request accepted"),
            key("socket.send.buffer.bytes", ConfigType.INT, "102400", atLeast(-1), "SO_SNDBUF; -1 for the OS default"),
            key("socket.receive.buffer.bytes", ConfigType.INT, "102400", atLeast(-1), "SO_RCVBUF; -1 for the OS default"),
            key("connections.max.idle.ms", ConfigType.LONG, "600000", atLeast(1), "idle connections are closed after this"),
            key("log.retention.check.interval.ms", ConfigType.LONG, "300000", atLeast(1), "how often retention runs"),
            key("log.flush.scheduler.interval.ms", ConfigType.LONG, String.valueOf(Long.MAX_VALUE), atLeast(1),
                    "how often logs are checked for flush.ms"),
            key("producer.id.block.size", ConfigType.INT, "1000", atLeast(1), "producer ids reserved per metadata write"),
            key("log.cleaner.enable", ConfigType.BOOLEAN, "true", ANY, "compact topics whose cleanup.policy includes compact"),
            key("log.cleaner.backoff.ms", ConfigType.LONG, "15000", atLeast(0), "cleaner sleep when no log needs cleaning"),
            key("log.cleaner.threads", ConfigType.INT, "1", atLeast(1), "threads compacting logs"),
            key("log.cleaner.dedupe.buffer.size", ConfigType.LONG, "134217728", atLeast(1024 * 1024),
                    "memory for the cleaner threads' key-to-offset maps"),
            key("group.initial.rebalance.delay.ms", ConfigType.INT, "3000", atLeast(0),
                    "how long the first rebalance of an empty group waits for more members to join"),
            key("group.min.session.timeout.ms", ConfigType.INT, "6000", atLeast(0), "smallest session timeout a member may ask for"),
            key("group.max.session.timeout.ms", ConfigType.INT, "1800000", atLeast(0), "largest session timeout a member may ask for"),
            key("group.max.size", ConfigType.INT, String.valueOf(Integer.MAX_VALUE), atLeast(1), "most members a group may have"),
            key("offsets.topic.num.partitions", ConfigType.INT, "50", atLeast(1),
                    "partitions of __consumer_offsets (set before the topic is created; changing it later moves groups)"),
            key("offsets.topic.replication.factor", ConfigType.INT, "3", atLeast(1),
                    "replication factor of __consumer_offsets (capped at the number of brokers)"),
            key("offsets.retention.minutes", ConfigType.INT, "10080", atLeast(1),
                    "committed offsets of a group that has been empty this long are removed"),
            key("offsets.retention.check.interval.ms", ConfigType.LONG, "600000", atLeast(1), "how often offset retention runs"),
            key("offset.metadata.max.bytes", ConfigType.INT, "4096", atLeast(0), "largest metadata string of a committed offset"),
            key("transaction.state.log.num.partitions", ConfigType.INT, "50", atLeast(1),
                    "partitions of __transaction_state (set before the topic is created; changing it later moves transactional ids)"),
            key("transaction.state.log.replication.factor", ConfigType.INT, "3", atLeast(1),
                    "replication factor of __transaction_state (capped at the number of brokers)"),
            key("transaction.max.timeout.ms", ConfigType.INT, "900000", atLeast(1),
                    "largest transaction.timeout.ms a producer may use; InitProducerId above it fails"),
            key("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType.LONG, "10000", atLeast(1),
                    "how often the transaction coordinator aborts transactions that ran past their timeout"),
            key("transactional.id.expiration.ms", ConfigType.LONG, "604800000", atLeast(1),
                    "a transactional id without an open transaction and unused this long is forgotten"),
            key("request.timeout.ms", ConfigType.INT, "30000", atLeast(1),
                    "how long a broker waits for another broker's answer (transaction markers)"),
            key("cluster.listen", ConfigType.STRING, "", ANY,
                    "host:port of this broker's Hazelcast member; empty runs a standalone broker without Hazelcast"),
            key("cluster.members", ConfigType.LIST, "", ANY, "host:port seed list of Hazelcast members (TCP/IP join)"),
            key("cluster.name", ConfigType.STRING, "weir", ANY, "Hazelcast cluster name; brokers only join a cluster of the same name"),
            key("cluster.cp.members", ConfigType.INT, "3", atLeast(0),
                    "brokers in the CP subsystem (Raft) holding controller lock and metadata; 0 or fewer than 3 brokers disables it"),
            key("broker.rack", ConfigType.STRING, "", ANY, "rack of this broker; replicas of a partition spread over racks"),
            key("broker.heartbeat.interval.ms", ConfigType.LONG, "1000", atLeast(1000),
                    "how often cluster members heartbeat each other (rounded to whole seconds)"),
            key("broker.session.timeout.ms", ConfigType.LONG, "9000", atLeast(2000),
                    "a broker not heard from this long is declared dead and loses its leaderships (whole seconds)"),
            key("replica.lag.time.max.ms", ConfigType.LONG, "30000", atLeast(1),
                    "a follower that has not caught up with the leader for this long leaves the ISR"),
            key("replica.fetch.max.bytes", ConfigType.INT, "1048576", atLeast(1), "bytes per partition a follower fetches at once"),
            key("replica.fetch.response.max.bytes", ConfigType.INT, "10485760", atLeast(1), "bytes per follower fetch response"),
            key("replica.fetch.wait.max.ms", ConfigType.INT, "500", atLeast(0), "how long a follower fetch waits for data"),
            key("replica.fetch.backoff.ms", ConfigType.INT, "1000", atLeast(0), "pause after a failed follower fetch"),
            key("replica.socket.timeout.ms", ConfigType.INT, "30000", atLeast(1), "socket timeout of follower fetches"),
            key("auto.leader.rebalance.enable", ConfigType.BOOLEAN, "true", ANY,
                    "give leadership back to the preferred replica once it is in sync again"));

    private static ConfigKey key(String name, ConfigType type, String def, ConfigKey.Rule rule, String doc) {
        return new ConfigKey(name, type, def, rule, null, doc);
    }

    private static final Map<String, ConfigKey> BROKER_KEYS = new LinkedHashMap<>();
    private static final Map<String, ConfigKey> TOPIC_SYNONYMS = new HashMap<>();

    static {
        KEYS.forEach(k -> BROKER_KEYS.put(k.name(), k));
        TopicConfigs.KEYS.forEach(k -> TOPIC_SYNONYMS.put(k.synonym(), k));
    }

    /** Kafka's older spellings and coarser units, folded into the canonical key. */
    private static final Map<String, String> ALIASES = Map.of("broker.id", "node.id", "log.dir", "log.dirs");

    private final Map<String, String> explicit;

    private BrokerConfig(Map<String, String> explicit) {
        this.explicit = Map.copyOf(explicit);
    }

    /**
     * Validates and normalises the given properties.
     * @throws ConfigException naming the first bad key and value
     */
    public static BrokerConfig from(Map<String, String> props) {
        Map<String, String> canonical = new LinkedHashMap<>();
        props.forEach((k, v) -> canonical.put(ALIASES.getOrDefault(k, k), v));
        foldTimeUnits(canonical, "log.retention.ms", "log.retention.minutes", 60_000L, "log.retention.hours", 3_600_000L);
        foldTimeUnits(canonical, "log.roll.ms", null, 0, "log.roll.hours", 3_600_000L);
        canonical.forEach((k, v) -> {
            ConfigKey key = BROKER_KEYS.containsKey(k) ? BROKER_KEYS.get(k) : TOPIC_SYNONYMS.get(k);
            if (key == null) {
                log.warn("ignoring unknown config '{}'", k);
            } else if (BROKER_KEYS.containsKey(k)) {
                key.parse(v);
            } else {
                // A broker-level default of a topic config obeys the topic config's rules.
                ConfigKey asBroker = new ConfigKey(k, key.type(), key.defaultValue(), key.rule(), null, key.documentation());
                asBroker.parse(v);
            }
        });
        BrokerConfig config = new BrokerConfig(canonical);
        config.listeners();
        config.advertisedListeners();
        return config;
    }

    private static void foldTimeUnits(Map<String, String> props, String msKey, String minutesKey, long minuteFactor,
                                      String hoursKey, long hourFactor) {
        if (props.containsKey(msKey)) {
            return;
        }
        if (minutesKey != null && props.containsKey(minutesKey)) {
            props.put(msKey, String.valueOf(Long.parseLong(props.remove(minutesKey).trim()) * minuteFactor));
        } else if (props.containsKey(hoursKey)) {
            props.put(msKey, String.valueOf(Long.parseLong(props.remove(hoursKey).trim()) * hourFactor));
        }
    }

    /** A value the operator set (not a default). */
    public Optional<String> explicit(String key) {
        return Optional.ofNullable(explicit.get(key));
    }

    /** Every broker config with its effective value, for DescribeConfigs. */
    public Map<ConfigKey, String> describe() {
        Map<ConfigKey, String> all = new LinkedHashMap<>();
        KEYS.forEach(k -> all.put(k, explicit.getOrDefault(k.name(), k.defaultValue())));
        return all;
    }

    private Object value(String key) {
        ConfigKey k = BROKER_KEYS.get(key);
        return k.parse(explicit.getOrDefault(key, k.defaultValue()));
    }

    public int getInt(String key) {
        return ((Number) value(key)).intValue();
    }

    public long getLong(String key) {
        return ((Number) value(key)).longValue();
    }

    public boolean getBoolean(String key) {
        return (Boolean) value(key);
    }

    public int nodeId() {
        return getInt("node.id");
    }

    public String getString(String key) {
        return String.valueOf(value(key));
    }

    public List<String> getList(String key) {
        return ((List<?>) value(key)).stream().map(String::valueOf).toList();
    }

    public List<Path> logDirs() {
        List<?> dirs = (List<?>) value("log.dirs");
        if (dirs.isEmpty()) {
            throw ConfigException.invalid("log.dirs", "", "name at least one directory");
        }
        return dirs.stream().map(d -> Path.of(d.toString())).toList();
    }

    public List<Listener> listeners() {
        return Listener.parseAll("listeners", explicit.getOrDefault("listeners", "PLAINTEXT://127.0.0.1:9092"));
    }

    public List<Listener> advertisedListeners() {
        String advertised = explicit.getOrDefault("advertised.listeners", "");
        return advertised.isBlank() ? listeners() : Listener.parseAll("advertised.listeners", advertised);
    }

    /** A {@code PLAINTEXT://host:port} endpoint. */
    public record Listener(String name, String host, int port) {
        static List<Listener> parseAll(String key, String value) {
            List<Listener> out = new ArrayList<>();
            for (String part : value.split(",")) {
                String s = part.trim();
                int sep = s.indexOf("://");
                int colon = s.lastIndexOf(':');
                if (sep <= 0 || colon <= sep + 2) {
                    throw ConfigException.invalid(key, value, "expected PLAINTEXT://host:port");
                }
                String name = s.substring(0, sep);
                if (!name.equals("PLAINTEXT")) {
                    throw ConfigException.invalid(key, value, "only PLAINTEXT listeners are supported");
                }
                String host = s.substring(sep + 3, colon);
                int port;
                try {
                    port = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw ConfigException.invalid(key, value, "the port is not a number");
                }
                if (port < 0 || port > 65535) {
                    throw ConfigException.invalid(key, value, "the port must be between 0 and 65535");
                }
                out.add(new Listener(name, host.isEmpty() ? "0.0.0.0" : host, port));
            }
            if (out.isEmpty()) {
                throw ConfigException.invalid(key, value, "name at least one listener");
            }
            return out;
        }
    }
}
