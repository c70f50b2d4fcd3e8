package dev.weir.streams;

import dev.weir.streams.state.StoreType;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The configuration of a Weir Streams application, with Kafka Streams' names and defaults where they
 * exist. Settings prefixed {@code consumer.}, {@code producer.} and {@code admin.} go to those clients
 * (without the prefix); other kafka-clients settings such as security ones go to all three.
 */
public final class StreamsConfig {
    public static final String APPLICATION_ID = "application.id";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String STATE_DIR = "state.dir";
    public static final String DEFAULT_DSL_STORE = "default.dsl.store";
    public static final String REPLICATION_FACTOR = "replication.factor";
    /** Weir's own: the one off-heap budget for all RocksDB stores of an instance (block cache + memtables). */
    public static final String ROCKSDB_MEMORY_BYTES = "rocksdb.memory.bytes";
    public static final String POLL_MS = "poll.ms";
    /** {@code fail} (default) or {@code continue}; Kafka's handler class names are accepted too. */
    public static final String DESERIALIZATION_EXCEPTION_HANDLER = "deserialization.exception.handler";
    public static final String PROCESSING_EXCEPTION_HANDLER = "processing.exception.handler";
    public static final String PRODUCTION_EXCEPTION_HANDLER = "production.exception.handler";
    public static final String DEAD_LETTER_QUEUE_TOPIC = "errors.dead.letter.queue.topic.name";

    public static final String AT_LEAST_ONCE = "at_least_once";
    public static final String EXACTLY_ONCE_V2 = "exactly_once_v2";

    private final Map<String, Object> props;

    public StreamsConfig(Map<String, ?> props) {
        this.props = Map.copyOf(props);
        applicationId();
        String g = processingGuarantee();
        if (!g.equals(AT_LEAST_ONCE) && !g.equals(EXACTLY_ONCE_V2)) {
            throw new IllegalArgumentException(PROCESSING_GUARANTEE + "=" + g + " is not supported: use "
                    + AT_LEAST_ONCE + " or " + EXACTLY_ONCE_V2);
        }
        errorPolicy();
        if (numStreamThreads() < 1) {
            throw new IllegalArgumentException(NUM_STREAM_THREADS + " must be at least 1");
        }
    }

    public Map<String, Object> originals() {
        return props;
    }

    private String string(String key, String def) {
        Object v = props.get(key);
        return v == null ? def : v.toString().trim();
    }

    private long number(String key, long def) {
        String v = string(key, null);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a number", e);
        }
    }

    public String applicationId() {
        String id = string(APPLICATION_ID, null);
        if (id == null || id.isEmpty() || !id.matches("[a-zA-Z0-9._-]+")) {
            throw new IllegalArgumentException(APPLICATION_ID + " '" + id + "' is missing or invalid: use letters,"
                    + " digits, '.', '_' or '-' (it prefixes the group id and every internal topic)");
        }
        return id;
    }

    public String bootstrapServers() {
        return string(BOOTSTRAP_SERVERS, null);
    }

    public int numStreamThreads() {
        return (int) number(NUM_STREAM_THREADS, 1);
    }

    public String processingGuarantee() {
        return string(PROCESSING_GUARANTEE, AT_LEAST_ONCE).toLowerCase(Locale.ROOT);
    }

    public boolean exactlyOnce() {
        return processingGuarantee().equals(EXACTLY_ONCE_V2);
    }

    /** 30 s, or 100 ms under exactly-once (as in Kafka Streams). */
    public long commitIntervalMs() {
        return number(COMMIT_INTERVAL_MS, exactlyOnce() ? 100 : 30_000);
    }

    public Path stateDir() {
        return Path.of(string(STATE_DIR, System.getProperty("java.io.tmpdir") + "/weir-streams"));
    }

    public StoreType defaultStoreType() {
        return StoreType.parse(string(DEFAULT_DSL_STORE, "rocksDB"));
    }

    public short replicationFactor() {
        return (short) number(REPLICATION_FACTOR, -1);
    }

    public long rocksDbMemoryBytes() {
        return number(ROCKSDB_MEMORY_BYTES, 64L << 20);
    }

    public long pollMs() {
        return number(POLL_MS, 100);
    }

    /** The error handlers; see {@link dev.weir.streams.internal.ErrorPolicy}. */
    public dev.weir.streams.internal.ErrorPolicy errorPolicy() {
        boolean production = handler(PRODUCTION_EXCEPTION_HANDLER);
        if (production && exactlyOnce()) {
            throw new IllegalArgumentException(PRODUCTION_EXCEPTION_HANDLER + "=continue cannot be used with "
                    + EXACTLY_ONCE_V2 + ": a failed write aborts the transaction");
        }
        String dlq = string(DEAD_LETTER_QUEUE_TOPIC, null);
        return new dev.weir.streams.internal.ErrorPolicy(handler(DESERIALIZATION_EXCEPTION_HANDLER),
                handler(PROCESSING_EXCEPTION_HANDLER), production, dlq == null || dlq.isEmpty() ? null : dlq);
    }

    /** True for "continue". */
    private boolean handler(String key) {
        String v = string(key, "fail");
        String simple = v.substring(v.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return switch (simple) {
            case "fail", "logandfailexceptionhandler", "logandfailprocessingexceptionhandler",
                    "defaultproductionexceptionhandler" -> false;
            case "continue", "logandcontinueexceptionhandler", "logandcontinueprocessingexceptionhandler" -> true;
            default -> throw new IllegalArgumentException(key + "=" + v + " is not a handler: use fail or continue");
        };
    }

    /** Settings for one client: the shared ones, then those with the client's prefix (prefix removed). */
    public Map<String, Object> clientProps(String prefix) {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<String, Object> e : props.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("consumer.") && !k.startsWith("producer.") && !k.startsWith("admin.") && !isStreams(k)) {
                out.put(k, e.getValue());
            }
        }
        props.forEach((k, v) -> {
            if (k.startsWith(prefix + ".")) {
                out.put(k.substring(prefix.length() + 1), v);
            }
        });
        return out;
    }

    private static boolean isStreams(String k) {
        return switch (k) {
            case APPLICATION_ID, NUM_STREAM_THREADS, COMMIT_INTERVAL_MS, PROCESSING_GUARANTEE, STATE_DIR,
                    DEFAULT_DSL_STORE, REPLICATION_FACTOR, ROCKSDB_MEMORY_BYTES, POLL_MS,
                    DESERIALIZATION_EXCEPTION_HANDLER, PROCESSING_EXCEPTION_HANDLER, PRODUCTION_EXCEPTION_HANDLER,
                    DEAD_LETTER_QUEUE_TOPIC -> true;
            default -> k.startsWith("test.");
        };
    }
}
