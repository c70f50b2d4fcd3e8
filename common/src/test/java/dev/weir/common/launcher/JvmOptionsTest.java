package dev.weir.common.launcher;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@Tag("fast")
class JvmOptionsTest {

    @Test
    void oneOptionPerLineWithItsValueCommentsAndBlankLinesIgnored() {
        String text = """
                # what Hazelcast asks for
                --add-modules java.se

                  --add-opens java.base/java.lang=ALL-UNNAMED  \s
                -XX:+UseG1GC
                """;
        assertEquals(List.of("--add-modules", "java.se", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-XX:+UseG1GC"),
                JvmOptions.parse(text));
    }

    @Test
    void aMissingResourceIsEmpty() {
        assertEquals(Optional.empty(), JvmOptions.fromResource("/no-such.jvm-options"));
    }
}
