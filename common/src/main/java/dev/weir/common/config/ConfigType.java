package dev.weir.common.config;

import java.util.Arrays;
import java.util.Locale;

/** Config value types and their parsing rules (Kafka's names: boolean, string, int, long, double, list). */
public enum ConfigType {
    BOOLEAN, STRING, INT, LONG, DOUBLE, LIST;

    /** Parses and normalises a value; throws {@link ConfigException} naming the key. */
    public Object parse(String key, String raw) {
        if (raw == null) {
            throw ConfigException.invalid(key, null, "a value is required");
        }
        String v = raw.trim();
        try {
            return switch (this) {
                case BOOLEAN -> {
                    String lower = v.toLowerCase(Locale.ROOT);
                    if (!lower.equals("true") && !lower.equals("false")) {
                        throw ConfigException.invalid(key, raw, "expected true or false");
                    }
                    yield Boolean.parseBoolean(lower);
                }
                case STRING -> v;
                case INT -> Integer.parseInt(v);
                case LONG -> Long.parseLong(v);
                case DOUBLE -> Double.parseDouble(v);
                case LIST -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            };
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, raw, "expected " + name().toLowerCase(Locale.ROOT)
                    + (this == INT ? " between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE : ""));
        }
    }
}
