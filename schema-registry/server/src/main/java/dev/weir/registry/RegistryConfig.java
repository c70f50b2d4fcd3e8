package dev.weir.registry;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

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

    private RegistryConfig(Map<String, String> p) {
        String listener = p.getOrDefault(LISTENERS, "http://0.0.0.0:8081").split(",")[0].trim();
        URI uri;
        try {
            uri = URI.create(listener);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("listeners '" + listener + "' is not a URL: use e.g. http://127.0.0.1:8081");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("listeners '" + listener
                    + "' must be http://HOST:PORT, e.g. http://127.0.0.1:8081 (https is not supported)");
        }
        host = uri.getHost();
        port = uri.getPort();
        String adv = p.get(HOST_NAME);
        advertisedHost = adv != null ? adv : ("0.0.0.0".equals(host) ? "127.0.0.1" : host);
        bootstrap = p.get(BOOTSTRAP);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException(BOOTSTRAP + " is required, e.g. --override " + BOOTSTRAP + "=127.0.0.1:9092");
        }
        topic = p.getOrDefault(TOPIC, "_schemas");
        timeoutMs = parseLong(p, TIMEOUT_MS, 10_000);
        String level = p.getOrDefault(COMPATIBILITY, "BACKWARD");
        defaultCompatibility = CompatibilityLevel.parse(level);
        if (defaultCompatibility == null) {
            throw new IllegalArgumentException(COMPATIBILITY + " '" + level + "' is not one of "
                    + java.util.Arrays.toString(CompatibilityLevel.values()));
        }
        groupId = p.getOrDefault(GROUP_ID, "schema-registry");
        schemaMaxBytes = (int) parseLong(p, SCHEMA_MAX_BYTES, 900_000);
        leaderWaitMs = parseLong(p, LEADER_WAIT_MS, 5_000);
        if (leaderWaitMs < 0) {
            throw new IllegalArgumentException(LEADER_WAIT_MS + " '" + leaderWaitMs + "' must be 0 or more (milliseconds)");
        }
    }

    private static long parseLong(Map<String, String> p, String key, long dflt) {
        String v = p.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " '" + v + "' is not a number");
        }
    }

    /** @throws IllegalArgumentException naming the bad config and the fix */
    public static RegistryConfig from(Map<String, String> props) {
        return new RegistryConfig(new LinkedHashMap<>(props));
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
