package dev.weir.log.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code weir server} in a child JVM over a directory, on a fixed port across restarts, so that a test
 * can kill it with SIGKILL and start it again. Output goes to {@code target/child-brokers/}.
 */
public final class ChildBroker implements AutoCloseable {
    private static final Path OUTPUT = Path.of("target", "child-brokers");

    private final Path dir;
    private final String name;
    private final Map<String, String> overrides;
    private final int port;
    private Process process;
    private int starts;

    public ChildBroker(Path dir, String name, Map<String, String> overrides) throws IOException {
        this.dir = dir;
        this.name = name;
        this.overrides = overrides;
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        Files.createDirectories(OUTPUT);
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker and waits for its "ready on" line. */
    public void start() throws IOException {
        int n = ++starts;
        Path stdout = OUTPUT.resolve(name + "-" + n + ".out");
        Path stderr = OUTPUT.resolve(name + "-" + n + ".err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.weir.log.server.Main",
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + dir,
                "--override", "num.network.threads=1",
                "--override", "num.io.threads=4"));
        overrides.forEach((k, v) -> command.addAll(List.of("--override", k + "=" + v)));
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        process = p;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> !p.isAlive() || Files.readString(stdout, StandardCharsets.UTF_8).contains("ready on"));
        assertTrue(p.isAlive(), "broker " + name + " exited; see " + stdout.toAbsolutePath() + ": "
                + Files.readString(stderr, StandardCharsets.UTF_8));
    }

    /** SIGKILL, and wait for the process to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the broker died");
        assertEquals(137, process.exitValue(), "killed by SIGKILL");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
