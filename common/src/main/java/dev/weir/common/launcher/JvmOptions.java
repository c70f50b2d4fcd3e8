package dev.weir.common.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * JVM options files, the format {@code bin/weir} reads too: one option per line (an option and its value may share
 * the line, e.g. {@code --add-opens java.base/java.lang=ALL-UNNAMED}), blank lines and {@code #} comments ignored.
 * Code that starts component JVMs itself (the cluster launcher, the testkit's child brokers) reads them from the
 * class path, e.g. {@code /weir-broker.jvm-options}.
 */
public final class JvmOptions {
    private JvmOptions() {
    }

    /** The options in {@code text}, split into the JVM's arguments. */
    public static List<String> parse(String text) {
        return text.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .flatMap(l -> Arrays.stream(l.split("\\s+"))).toList();
    }

    /** The options in class-path resource {@code name} (absolute, e.g. {@code /weir-broker.jvm-options}), if present. */
    public static Optional<List<String>> fromResource(String name) {
        try (InputStream in = JvmOptions.class.getResourceAsStream(name)) {
            return in == null ? Optional.empty() : Optional.of(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
