package dev.weir.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Other modules talk to brokers through the Kafka protocol, never through log-server's classes: no main source
 * file outside log-server names {@code dev.weir.log}. (Tests may start a broker in-process through the testkit,
 * which finds it by name, so test sources are not checked.) A source scan, because the other modules' classes
 * are not on log-server's class path.
 */
@Tag("fast")
class ModuleBoundariesTest {
    private static final Pattern LOG_SERVER_REFERENCE = Pattern.compile("\\bdev\\.weir\\.log\\.");

    @Test
    void noModuleButLogServerNamesItsPackagesInMainCode() throws IOException {
        Path repository = Path.of("").toAbsolutePath().getParent();
        List<Path> mainSources = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(repository, 2)) {
            dirs.filter(d -> !d.toString().contains("/target") && !d.endsWith("log-server"))
                    .map(d -> d.resolve("src/main/java")).filter(Files::isDirectory).forEach(mainSources::add);
        }
        assertTrue(mainSources.stream().anyMatch(p -> p.startsWith(repository.resolve("common"))),
                "found the other modules' sources: " + mainSources);
        List<String> offenders = new ArrayList<>();
        for (Path root : mainSources) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java"))
                        .filter(f -> namesLogServer(read(f)))
                        .forEach(f -> offenders.add(repository.relativize(f).toString()));
            }
        }
        assertEquals(List.of(), offenders, "main code outside log-server must not use dev.weir.log");
    }

    @Test
    void theScanFindsAnImportAndAFullyQualifiedUse() {
        assertTrue(namesLogServer("import dev.weir.log.server.WeirBroker;"));
        assertTrue(namesLogServer("var b = dev.weir.log.server.WeirBroker.start(c);"));
        assertTrue(!namesLogServer("import dev.weir.logging.Thing; // dev.weir.logs"));
    }

    static boolean namesLogServer(String source) {
        return LOG_SERVER_REFERENCE.matcher(source).find();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
