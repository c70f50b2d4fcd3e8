package dev.weir.log.config;

/** A config value that cannot be used; the message names the key, the value and what is allowed. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public static ConfigException invalid(String key, Object value, String why) {
        return new ConfigException("invalid value '" + value + "' for config " + key + ": " + why);
    }
}
