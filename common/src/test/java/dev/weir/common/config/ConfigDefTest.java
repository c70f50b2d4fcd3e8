package dev.weir.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weir.common.config.ConfigKey.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class ConfigDefTest {
    static final ConfigDef DEF = ConfigDef.of(List.of(
            ConfigKey.of("threads", ConfigType.INT, "3", Rule.atLeast(1), "worker threads"),
            ConfigKey.of("mode", ConfigType.STRING, "fast", Rule.oneOf("fast", "safe"), "how to run"),
            ConfigKey.of("servers", ConfigType.LIST, null, Rule.ANY, "where to connect"),
            ConfigKey.of("enabled", ConfigType.BOOLEAN, "true", Rule.ANY, "on or off")));

    @Test
    void defaultsApplyAndGivenValuesAreTyped() {
        List<String> unknown = new ArrayList<>();
        ConfigDef.Config c = DEF.parse(Map.of("servers", "a:1, b:2", "threads", " 7 ", "producer.acks", "all"),
                unknown::add);
        assertEquals(7, c.getInt("threads"));
        assertEquals("fast", c.getString("mode"));
        assertEquals(List.of("a:1", "b:2"), c.getList("servers"));
        assertEquals(true, c.getBoolean("enabled"));
        assertEquals(List.of("producer.acks"), unknown, "unknown keys are reported, not refused");
        assertEquals("all", c.explicit("producer.acks").orElseThrow());
    }

    @Test
    void everyFailureNamesTheKey() {
        ConfigException missing = assertThrows(ConfigException.class, () -> DEF.parse(Map.of(), k -> { }));
        assertEquals("servers", missing.key());
        assertEquals("config servers is required: where to connect", missing.getMessage());

        ConfigException type = assertThrows(ConfigException.class,
                () -> DEF.parse(Map.of("servers", "a", "threads", "many"), k -> { }));
        assertEquals("threads", type.key());
        assertEquals("invalid value 'many' for config threads: expected int between " + Integer.MIN_VALUE + " and "
                + Integer.MAX_VALUE, type.getMessage());

        ConfigException rule = assertThrows(ConfigException.class,
                () -> DEF.parse(Map.of("servers", "a", "threads", "0"), k -> { }));
        assertEquals("invalid value '0' for config threads: must be at least 1", rule.getMessage());

        ConfigException oneOf = assertThrows(ConfigException.class,
                () -> DEF.parse(Map.of("servers", "a", "mode", "reckless"), k -> { }));
        assertEquals("invalid value 'reckless' for config mode: must be one of [fast, safe]", oneOf.getMessage());

        ConfigException bool = assertThrows(ConfigException.class,
                () -> DEF.parse(Map.of("servers", "a", "enabled", "yes"), k -> { }));
        assertEquals("invalid value 'yes' for config enabled: expected true or false", bool.getMessage());
    }

    @Test
    void aKeyDefinedTwiceIsAProgrammingError() {
        ConfigKey k = ConfigKey.of("x", ConfigType.INT, "1", Rule.ANY, "");
        assertThrows(IllegalArgumentException.class, () -> ConfigDef.of(List.of(k, k)));
    }

    @Test
    void overridesWinOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "threads=2\nmode=safe\n# comment\n");
        Map<String, String> props = ConfigSources.read(file, List.of("threads=9", "servers=a:1=b"));
        assertEquals(Map.of("threads", "9", "mode", "safe", "servers", "a:1=b"), props);
    }

    @Test
    void unreadableFilesAndMalformedOverridesAreNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        ConfigException file = assertThrows(ConfigException.class, () -> ConfigSources.read(missing, List.of()));
        assertEquals("config file " + missing + " does not exist or is not readable: check the path given to --config",
                file.getMessage());
        ConfigException override = assertThrows(ConfigException.class,
                () -> ConfigSources.read(null, List.of("=value")));
        assertEquals("--override '=value' must have the form key=value", override.getMessage());
    }
}
