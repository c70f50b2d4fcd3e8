package dev.weir.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every test class of every module carries exactly one of the tags that {@code -Dgroups} selects by (see the
 * parent pom), on the class itself, so that the four sets together are the whole suite and none overlap. Reads the
 * sources: {@code src/test/java} of each module next to this one (or nested one level, as the registry's).
 */
@Tag("fast")
class TestTagsTest {
    static final List<String> TAGS = List.of("fast", "cluster", "process", "root");
    private static final Pattern TEST_METHOD =
            Pattern.compile("@(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\\b");
    private static final Pattern TAG = Pattern.compile("^@Tag\\(\"([^\"]*)\"\\)", Pattern.MULTILINE);

    @Test
    void everyTestClassHasExactlyOneSuiteTag() throws IOException {
        Path repository = Path.of("").toAbsolutePath().getParent();
        List<Path> sources = new ArrayList<>();
        // Modules sit one or two levels down (log-server/, schema-registry/server/).
        try (Stream<Path> dirs = Files.walk(repository, 2)) {
            for (Path testSources : dirs.filter(d -> !d.toString().contains("/target"))
                    .map(m -> m.resolve("src/test/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(testSources)) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
                }
            }
        }
        assertTrue(sources.stream().anyMatch(f -> f.endsWith("TestTagsTest.java")), "found this module's tests");

        List<String> wrong = new ArrayList<>();
        for (Path file : sources) {
            String text = read(file);
            if (!TEST_METHOD.matcher(text).find()) {
                continue;
            }
            List<String> tags = new ArrayList<>();
            Matcher m = TAG.matcher(text);
            while (m.find()) {
                tags.add(m.group(1));
            }
            if (tags.size() != 1 || !TAGS.contains(tags.get(0))) {
                wrong.add(repository.relativize(file) + " " + tags);
            }
        }
        assertEquals(List.of(), wrong, "test classes need exactly one class-level @Tag of " + TAGS);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
