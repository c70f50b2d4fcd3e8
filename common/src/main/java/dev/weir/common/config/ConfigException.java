package dev.weir.common.config;

/**
 * A config value that cannot be used. The message names the key, the value and what is allowed, so a
 * person can fix it without reading code: {@code invalid value 'abc' for config num.io.threads: expected int}.
 */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String message) {
        this(null, message);
    }

    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The config at fault, or null when the problem is not one key's (an unreadable file, say). */
    public String key() {
        return key;
    }

    public static ConfigException invalid(String key, Object value, String why) {
        return new ConfigException(key, "invalid value '" + value + "' for config " + key + ": " + why);
    }

    public static ConfigException missing(String key, String example) {
        return new ConfigException(key, "config " + key + " is required, e.g. --override " + key + "=" + example);
    }
}
