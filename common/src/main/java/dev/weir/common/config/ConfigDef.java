package dev.weir.common.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The configs a component understands, in the order they are documented. Immutable once built; thread-safe.
 * {@link #parse} checks every given value and every required key up front, so a bad config fails at start with
 * one {@link ConfigException} naming the key rather than later, deep inside the component.
 */
public final class ConfigDef {
    private final Map<String, ConfigKey> keys;

    private ConfigDef(Map<String, ConfigKey> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    public static ConfigDef of(List<ConfigKey> keys) {
        Map<String, ConfigKey> byName = new LinkedHashMap<>();
        for (ConfigKey key : keys) {
            if (byName.put(key.name(), key) != null) {
                throw new IllegalArgumentException("config " + key.name() + " is defined twice");
            }
        }
        return new ConfigDef(byName);
    }

    public Collection<ConfigKey> keys() {
        return keys.values();
    }

    public Optional<ConfigKey> key(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    /**
     * Validates {@code props} against these definitions.
     *
     * @param unknown told of each key not defined here (components warn: Kafka's own configs pass through
     *                unknown keys, such as client configs, rather than refuse them)
     * @throws ConfigException naming the first bad or missing key
     */
    public Config parse(Map<String, String> props, Consumer<String> unknown) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey key : keys.values()) {
            String raw = props.get(key.name());
            if (raw == null && key.required()) {
                throw new ConfigException(key.name(), "config " + key.name() + " is required: " + key.documentation());
            }
            values.put(key.name(), raw == null ? key.type().parse(key.name(), key.defaultValue()) : key.parse(raw));
        }
        List<String> unknownKeys = new ArrayList<>();
        props.keySet().stream().filter(k -> !keys.containsKey(k)).forEach(unknownKeys::add);
        unknownKeys.forEach(unknown);
        return new Config(values, Map.copyOf(props));
    }

    /** Parsed, checked values of a {@link ConfigDef}; immutable. */
    public static final class Config {
        private final Map<String, Object> values;
        private final Map<String, String> originals;

        private Config(Map<String, Object> values, Map<String, String> originals) {
            this.values = Collections.unmodifiableMap(values);
            this.originals = originals;
        }

        private Object value(String key) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("config " + key + " is not defined");
            }
            return values.get(key);
        }

        public String getString(String key) {
            return (String) value(key);
        }

        public int getInt(String key) {
            return (Integer) value(key);
        }

        public long getLong(String key) {
            return (Long) value(key);
        }

        public double getDouble(String key) {
            return (Double) value(key);
        }

        public boolean getBoolean(String key) {
            return (Boolean) value(key);
        }

        public List<String> getList(String key) {
            return ((List<?>) value(key)).stream().map(String::valueOf).toList();
        }

        /** A value the operator set, defined here or not (client configs pass through, e.g. {@code producer.*}). */
        public Optional<String> explicit(String key) {
            return Optional.ofNullable(originals.get(key));
        }

        /** Everything the operator set, as given. */
        public Map<String, String> originals() {
            return originals;
        }
    }
}
