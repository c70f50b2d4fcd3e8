package dev.weir.registry.serde;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde's settings, read from the client config map with Confluent's property names, for the key or the
 * value side. Immutable.
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #SCHEMA_REGISTRY_URL}</td><td>required</td><td>comma-separated base URLs, tried in order</td></tr>
 *   <tr><td>{@value #AUTO_REGISTER_SCHEMAS}</td><td>true</td><td>serializer registers the datum's schema;
 *       if false it only looks it up and fails with error 40403 if it is not registered</td></tr>
 *   <tr><td>{@value #USE_LATEST_VERSION}</td><td>false</td><td>serializer writes with the subject's latest
 *       schema (the datum is converted to it by Avro schema resolution) instead of registering</td></tr>
 *   <tr><td>{@value #KEY_SUBJECT_NAME_STRATEGY}, {@value #VALUE_SUBJECT_NAME_STRATEGY}</td>
 *       <td>TopicNameStrategy</td><td>see {@link SubjectNameStrategy#forName}</td></tr>
 *   <tr><td>{@value #SPECIFIC_AVRO_READER}</td><td>false</td><td>deserializer returns generated
 *       SpecificRecord classes (found from the writer schema's name) instead of GenericRecord</td></tr>
 *   <tr><td>{@value #SPECIFIC_AVRO_KEY_TYPE}, {@value #SPECIFIC_AVRO_VALUE_TYPE}</td><td>none</td>
 *       <td>SpecificRecord class to read into; its schema is the reader schema</td></tr>
 *   <tr><td>{@value #KEY_READER_SCHEMA}, {@value #VALUE_READER_SCHEMA}</td><td>none</td><td>(Weir extension)
 *       reader schema as Avro JSON, for generic readers</td></tr>
 *   <tr><td>{@value #HTTP_READ_TIMEOUT_MS}</td><td>30000</td><td>registry connect and request timeout</td></tr>
 *   <tr><td>{@value #LATEST_CACHE_TTL_SEC}</td><td>-1</td><td>seconds a latest version is cached; -1 for ever</td></tr>
 * </table>
 */
public record AvroSerdeConfig(
        List<String> registryUrls,
        boolean autoRegisterSchemas,
        boolean useLatestVersion,
        SubjectNameStrategy subjectNameStrategy,
        boolean specificAvroReader,
        Class<?> specificType,
        Schema readerSchema,
        Duration httpTimeout,
        Duration latestCacheTtl) {

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";
    public static final String KEY_READER_SCHEMA = "avro.key.reader.schema";
    public static final String VALUE_READER_SCHEMA = "avro.value.reader.schema";
    public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";

    /**
     * Reads the settings for the key ({@code isKey}) or value side.
     *
     * @param urlRequired false when the caller supplies its own {@link SchemaRegistryClient}
     */
    public static AvroSerdeConfig from(Map<String, ?> configs, boolean isKey, boolean urlRequired) {
        List<String> urls = urls(configs.get(SCHEMA_REGISTRY_URL));
        if (urlRequired && urls.isEmpty()) {
            throw new ConfigException("Missing required configuration \"" + SCHEMA_REGISTRY_URL + "\"");
        }
        Object strategy = configs.get(isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY);
        Object type = configs.get(isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE);
        Object reader = configs.get(isKey ? KEY_READER_SCHEMA : VALUE_READER_SCHEMA);
        return new AvroSerdeConfig(
                urls,
                bool(configs, AUTO_REGISTER_SCHEMAS, true),
                bool(configs, USE_LATEST_VERSION, false),
                strategy == null ? new TopicNameStrategy()
                        : strategy instanceof Class<?> c ? SubjectNameStrategy.forName(c.getName())
                        : SubjectNameStrategy.forName(strategy.toString().trim()),
                bool(configs, SPECIFIC_AVRO_READER, false),
                type == null ? null : type instanceof Class<?> c ? c : loadClass(type.toString().trim()),
                reader == null ? null : reader instanceof Schema s ? s
                        : SchemaRegistryClient.parse(reader.toString(), "reader schema"),
                Duration.ofMillis(number(configs, HTTP_READ_TIMEOUT_MS, 30_000)),
                Duration.ofSeconds(number(configs, LATEST_CACHE_TTL_SEC, -1)));
    }

    /** A client for these settings. */
    public SchemaRegistryClient newClient() {
        return new SchemaRegistryClient(registryUrls, httpTimeout, latestCacheTtl);
    }

    private static List<String> urls(Object value) {
        if (value == null) {
            return List.of();
        }
        Collection<?> items = value instanceof Collection<?> c ? c : Arrays.asList(value.toString().split(","));
        return items.stream().map(Object::toString).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static boolean bool(Map<String, ?> configs, String name, boolean fallback) {
        Object value = configs.get(name);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new ConfigException(name, value, "Expected true or false");
    }

    private static long number(Map<String, ?> configs, String name, long fallback) {
        Object value = configs.get(name);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(name, value, "Expected a number");
        }
    }

    private static Class<?> loadClass(String name) {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            return Class.forName(name, true, loader != null ? loader : AvroSerdeConfig.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException("Cannot load class " + name + ": " + e);
        }
    }
}
