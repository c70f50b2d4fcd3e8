package dev.weir.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Reads a component's raw config: a Java properties file, then {@code --override key=value} pairs on top. */
public final class ConfigSources {
    private ConfigSources() {
    }

    /**
     * @param file      a properties file, or null
     * @param overrides {@code key=value} strings; later ones win, and all win over the file
     * @throws ConfigException when the file cannot be read or an override is not {@code key=value}
     */
    public static Map<String, String> read(Path file, List<String> overrides) {
        Map<String, String> props = new LinkedHashMap<>();
        if (file != null) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new ConfigException("config file " + file + " does not exist or is not readable: "
                        + "check the path given to --config");
            }
            Properties loaded = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                loaded.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("config file " + file + " cannot be read as a properties file: "
                        + e.getMessage());
            }
            loaded.stringPropertyNames().forEach(k -> props.put(k, loaded.getProperty(k).trim()));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--override '" + override + "' must have the form key=value");
            }
            props.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return props;
    }
}
