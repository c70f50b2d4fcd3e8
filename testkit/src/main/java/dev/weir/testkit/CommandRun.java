package dev.weir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command (kcat, a Kafka tool's JVM) with stdin from a string, output captured in files. */
public final class CommandRun {
    private CommandRun() {}

    /** What a finished command printed. */
    public record Result(int exitCode, String stdout, String stderr, List<String> command) {
        public void assertOk() {
            assertEquals(0, exitCode, () -> "command failed: " + command + "\n" + all());
        }

        public String all() {
            return "stdout:\n" + stdout + "\nstderr:\n" + stderr;
        }

        public List<String> lines() {
            return stdout.lines().toList();
        }

        public List<String> nonBlankLines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /**
     * Runs {@code command} with {@code input} (may be null) on stdin; fails the test if it does not finish
     * within {@code timeoutSeconds}. Scratch files go to {@code scratchDir}.
     */
    public static Result run(Path scratchDir, List<String> command, String input, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(scratchDir, "cmd", ".out");
        Path err = Files.createTempFile(scratchDir, "cmd", ".err");
        Path in = Files.createTempFile(scratchDir, "cmd", ".in");
        Files.writeString(in, input == null ? "" : input);
        Process p = new ProcessBuilder(command)
                .redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail("command did not finish within " + timeoutSeconds + " s: " + command + "\nstdout:\n"
                    + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), command);
    }
}
