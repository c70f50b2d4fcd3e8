package dev.weir.common.config;

import java.util.List;
import java.util.Locale;

/**
 * One config: its name (the name users know from Kafka, Connect or Schema Registry), type, default as those
 * products write it ({@code null} = required), the rule its values must follow, an optional synonym (for a
 * Kafka topic config, the broker config that supplies its default) and one line of documentation.
 */
public record ConfigKey(String name, ConfigType type, String defaultValue, Rule rule, String synonym,
                        String documentation) {

    public ConfigKey {
        if (name == null || type == null || rule == null) {
            throw new IllegalArgumentException("a config key needs a name, a type and a rule");
        }
    }

    public static ConfigKey of(String name, ConfigType type, String defaultValue, Rule rule, String documentation) {
        return new ConfigKey(name, type, defaultValue, rule, null, documentation);
    }

    /** A required config has no default. */
    public boolean required() {
        return defaultValue == null;
    }

    /** A check on a parsed value; throws {@link ConfigException}. */
    @FunctionalInterface
    public interface Rule {
        void check(String key, Object value);

        Rule ANY = (k, v) -> { };

        static Rule atLeast(long min) {
            return (k, v) -> {
                if (((Number) v).doubleValue() < min) {
                    throw ConfigException.invalid(k, v, "must be at least " + min);
                }
            };
        }

        static Rule between(double min, double max) {
            return (k, v) -> {
                double d = ((Number) v).doubleValue();
                if (d < min || d > max) {
                    throw ConfigException.invalid(k, v, "must be between " + min + " and " + max);
                }
            };
        }

        static Rule oneOf(String... allowed) {
            List<String> options = List.of(allowed);
            return (k, v) -> {
                if (!options.contains(v.toString())) {
                    throw ConfigException.invalid(k, v, "must be one of " + options);
                }
            };
        }

        /** Like {@link #oneOf} but ignoring case, as Confluent's enum-valued configs do. */
        static Rule oneOfIgnoreCase(String... allowed) {
            List<String> options = List.of(allowed);
            return (k, v) -> {
                if (options.stream().noneMatch(o -> o.equalsIgnoreCase(v.toString()))) {
                    throw ConfigException.invalid(k, v, "must be one of " + options);
                }
            };
        }

        /** Every list element is one of the options (case-insensitive), and the list is not empty. */
        static Rule listOf(String... allowed) {
            List<String> options = List.of(allowed);
            return (k, v) -> {
                List<?> items = (List<?>) v;
                if (items.isEmpty()) {
                    throw ConfigException.invalid(k, "", "must list at least one of " + options);
                }
                for (Object item : items) {
                    if (!options.contains(item.toString().toLowerCase(Locale.ROOT))) {
                        throw ConfigException.invalid(k, v, "'" + item + "' is not one of " + options);
                    }
                }
            };
        }
    }

    /** Parses and checks a raw value. */
    public Object parse(String raw) {
        Object value = type.parse(name, raw);
        rule.check(name, value);
        return value;
    }
}
