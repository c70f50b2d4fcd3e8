package dev.weir.registry;

import dev.weir.common.config.ConfigKey.Rule;

import dev.weir.common.config.ConfigDef;
import dev.weir.common.config.ConfigException;
import dev.weir.common.config.ConfigKey;
import dev.weir.common.config.ConfigType;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's configuration, with Confluent Schema Registry's config names and defaults.
 * Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@code listeners} (default {@code http://0.0.0.0:8081}): the one HTTP listener.</li>
 *   <li>{@code kafkastore.bootstrap.servers} (required): the Weir (or Kafka) brokers.</li>
 *   <li>{@code kafkastore.topic} (default {@code _schemas}): the compacted single-partition store topic.</li>
 *   <li>{@code kafkastore.timeout.ms} (default 500 in Confluent; here 10000): how long a write waits for the store.</li>
 *   <li>{@code schema.compatibility.level} (default {@code BACKWARD}): the global level until one is PUT.</li>
 *   <li>{@code schema.registry.group.id} (default {@code schema-registry}): the group used to elect the leader.</li>
 *   <li>{@code host.name}: the host other instances use to forward writes here (default: the listener's host,
 *       or 127.0.0.1 when it listens on 0.0.0.0).</li>
 *   <li>{@code schema.max.bytes} (default 900000): largest schema text accepted; the store's records are
 *       limited by the broker's {@code message.max.bytes} (1 MB by default).</li>
 *   <li>{@code leader.wait.timeout.ms} (default 5000; Weir's, not Confluent's): how long a write waits for a
 *       leader while none is known or the known one has gone (an election after a leader stopped takes
 *       1-3 s; one after a leader died, up to the 10 s session timeout). After it, the write fails with
 *       Confluent's 50004 (unknown leader).</li>
 * </ul>
 */
public final class RegistryConfig {
    private static final Logger log = LoggerFactory.getLogger(RegistryConfig.class);
    public static final String LISTENERS = "listeners";
    public static final String BOOTSTRAP = "kafkastore.bootstrap.servers";
    public static final String TOPIC = "kafkastore.topic";
    public static final String TIMEOUT_MS = "kafkastore.timeout.ms";
    public static final String COMPATIBILITY = "schema.compatibility.level";
    public static final String GROUP_ID = "schema.registry.group.id";
    public static final String HOST_NAME = "host.name";
    public static final String SCHEMA_MAX_BYTES = "schema.max.bytes";
    public static final String LEADER_WAIT_MS = "leader.wait.timeout.ms";

    private final String host;
    private final int port;
    private final String advertisedHost;
    private final String bootstrap;
    private final String topic;
    private final long timeoutMs;
    private final CompatibilityLevel defaultCompatibility;
    private final String groupId;
    private final int schemaMaxBytes;
    private final long leaderWaitMs;

    /** Every config the registry reads, with Confluent's names and defaults (see the class comment). */
    public static final ConfigDef DEFINITION = ConfigDef.of(List.of(
            ConfigKey.of(LISTENERS, ConfigType.STRING, "http://0.0.0.0:8081", Rule.ANY, "the HTTP listener"),
            ConfigKey.of(BOOTSTRAP, ConfigType.STRING, null, Rule.ANY,
                    "the Weir (or Kafka) brokers, e.g. --override " + BOOTSTRAP + "=127.0.0.1:9092"),
            ConfigKey.of(TOPIC, ConfigType.STRING, "_schemas", Rule.ANY, "the compacted single-partition store topic"),
            ConfigKey.of(TIMEOUT_MS, ConfigType.LONG, "10000", Rule.atLeast(1), "how long a write waits for the store"),
            ConfigKey.of(COMPATIBILITY, ConfigType.STRING, "BACKWARD", Rule.oneOfIgnoreCase(
                    Arrays.stream(CompatibilityLevel.values()).map(Enum::name).toArray(String[]::new)),
                    "the global compatibility level until one is PUT"),
            ConfigKey.of(GROUP_ID, ConfigType.STRING, "schema-registry", Rule.ANY, "the group that elects the leader"),
            ConfigKey.of(HOST_NAME, ConfigType.STRING, "", Rule.ANY, "the host other instances forward writes to"),
            ConfigKey.of(SCHEMA_MAX_BYTES, ConfigType.INT, "900000", Rule.atLeast(1), "largest schema text accepted"),
            ConfigKey.of(LEADER_WAIT_MS, ConfigType.LONG, "5000", Rule.atLeast(0),
                    "how long a write waits for a leader before failing with 50004")));

    private RegistryConfig(ConfigDef.Config c) {
        String listener = c.getString(LISTENERS).split(",")[0].trim();
        URI uri;
        try {
            uri = URI.create(listener);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(LISTENERS, listener, "not a URL: use e.g. http://127.0.0.1:8081");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw ConfigException.invalid(LISTENERS, listener,
                    "must be http://HOST:PORT, e.g. http://127.0.0.1:8081 (https is not supported)");
        }
        host = uri.getHost();
        port = uri.getPort();
        String adv = c.getString(HOST_NAME);
        advertisedHost = !adv.isBlank() ? adv : ("0.0.0.0".equals(host) ? "127.0.0.1" : host);
        bootstrap = c.getString(BOOTSTRAP);
        if (bootstrap.isBlank()) {
            throw ConfigException.missing(BOOTSTRAP, "127.0.0.1:9092");
        }
        topic = c.getString(TOPIC);
        timeoutMs = c.getLong(TIMEOUT_MS);
        defaultCompatibility = CompatibilityLevel.parse(c.getString(COMPATIBILITY));
        groupId = c.getString(GROUP_ID);
        schemaMaxBytes = c.getInt(SCHEMA_MAX_BYTES);
        leaderWaitMs = c.getLong(LEADER_WAIT_MS);
    }

    /**
     * @throws ConfigException naming the bad or missing config and the fix; unknown keys are logged and ignored,
     *         as Confluent's registry does
     */
    public static RegistryConfig from(Map<String, String> props) {
        return new RegistryConfig(DEFINITION.parse(props, key -> log.warn("ignoring unknown config '{}'", key)));
    }

    public String host() { return host; }
    public int port() { return port; }
    /** The URL other instances use to reach this one, given the actually bound port. */
    public String advertisedUrl(int boundPort) { return "http://" + advertisedHost + ":" + boundPort; }
    public String bootstrap() { return bootstrap; }
    public String topic() { return topic; }
    public long timeoutMs() { return timeoutMs; }
    public CompatibilityLevel defaultCompatibility() { return defaultCompatibility; }
    public String groupId() { return groupId; }
    public int schemaMaxBytes() { return schemaMaxBytes; }
    public long leaderWaitMs() { return leaderWaitMs; }
}
