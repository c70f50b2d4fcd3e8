package dev.weir.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.common.launcher.JvmOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Weir broker in a child JVM over a directory, on a fixed host and port across restarts, so that a test can kill
 * it with SIGKILL ({@link #kill9()}) and start it again. The JVM runs
 * {@code java <broker JVM options> -cp <this JVM's class path> dev.weir.common.launcher.Launcher server --override ...}:
 * the JVM options are those of {@code bin/weir server} (the class-path resource {@code /weir-broker.jvm-options}),
 * and the class path must hold log-server, as for {@link EmbeddedBroker}. A start waits for the broker's ready
 * line; {@link #stop} sends SIGTERM and waits for its stopped line. Output of each start goes to
 * {@code target/child-brokers/NAME-N.out|err}.
 *
 * <p>For partition tests the JVM can run behind a command prefix (e.g. {@code ip netns exec NS}) with the
 * namespace's address as host. Overrides are applied in order (later wins): listeners, log.dirs and thread counts,
 * the constructor's, then those given to {@link #start(Map)}.
 *
 * <p>Thread safety: not thread-safe; one test thread drives one instance.
 */
public final class ChildBroker implements KafkaEndpoint, AutoCloseable {
    private static final Path OUTPUT = Path.of("target", "child-brokers");
    private static final String JVM_OPTIONS_RESOURCE = "/weir-broker.jvm-options";

    private final Path dir;
    private final String name;
    private final Map<String, String> overrides;
    private final String host;
    private final int port;
    private final List<String> commandPrefix;
    private Process process;
    private int starts;
    private Path stdout;

    /** On 127.0.0.1, a free port, no command prefix. */
    public ChildBroker(Path dir, String name, Map<String, String> overrides) throws IOException {
        this(dir, name, overrides, List.of(), "127.0.0.1", 0);
    }

    /**
     * @param commandPrefix run the JVM behind this, e.g. {@code ip netns exec NS}; empty for none
     * @param host the address the listener binds and advertises
     * @param port the listener port, kept across restarts; 0 picks a free one (free in the root
     *     namespace, which a fresh network namespace has free too)
     */
    public ChildBroker(Path dir, String name, Map<String, String> overrides, List<String> commandPrefix,
            String host, int port) throws IOException {
        this.dir = dir;
        this.name = name;
        this.overrides = overrides;
        this.commandPrefix = List.copyOf(commandPrefix);
        this.host = host;
        this.port = port == 0 ? FreePorts.one() : port;
        Files.createDirectories(OUTPUT);
    }

    @Override
    public String bootstrap() {
        return host + ":" + port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Starts the broker and waits for its "ready on" line. */
    public void start() throws IOException {
        start(Map.of());
    }

    /** Starts the broker with {@code extraOverrides} for this start only (they win over all others). */
    public void start(Map<String, String> extraOverrides) throws IOException {
        start(extraOverrides, Duration.ofSeconds(90));
    }

    /**
     * Starts the broker with {@code extraOverrides} for this start only (they win over all others) and
     * waits up to {@code readyTimeout} for its ready line.
     */
    public void start(Map<String, String> extraOverrides, Duration readyTimeout) throws IOException {
        int n = ++starts;
        Path stdout = OUTPUT.resolve(name + "-" + n + ".out");
        this.stdout = stdout;
        Path stderr = OUTPUT.resolve(name + "-" + n + ".err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(commandPrefix);
        command.add(java);
        command.addAll(jvmOptions());
        command.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.weir.common.launcher.Launcher", "server",
                "--override", "listeners=PLAINTEXT://" + host + ":" + port,
                "--override", "log.dirs=" + dir,
                "--override", "num.network.threads=1",
                "--override", "num.io.threads=4"));
        overrides.forEach((k, v) -> command.addAll(List.of("--override", k + "=" + v)));
        extraOverrides.forEach((k, v) -> command.addAll(List.of("--override", k + "=" + v)));
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        process = p;
        await("broker " + name + " prints its ready line in " + stdout.toAbsolutePath()).atMost(readyTimeout)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !p.isAlive() || Files.readString(stdout, StandardCharsets.UTF_8).contains("ready on"));
        assertTrue(p.isAlive(), "broker " + name + " exited; see " + stdout.toAbsolutePath() + ": "
                + Files.readString(stderr, StandardCharsets.UTF_8));
    }

    /** The standard output of the latest start (null before the first). */
    public Path stdout() {
        return stdout;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * SIGTERM, and wait until the process has exited after printing its "stopped" line (a clean stop: the
     * shutdown hook closed the broker). Fails if it does not stop within {@code timeout}; the process is
     * then killed with SIGKILL.
     */
    public void stop(Duration timeout) throws InterruptedException, IOException {
        process.destroy();
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(exited, "broker " + name + " stopped within " + timeout + " of SIGTERM; see "
                + stdout.toAbsolutePath());
        assertTrue(Files.readString(stdout, StandardCharsets.UTF_8).contains(" stopped"),
                "broker " + name + " printed its stopped line; see " + stdout.toAbsolutePath());
    }

    /** SIGKILL, and wait for the process to be gone (exit code 137 shows it was the kill that ended it). */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "broker " + name + " died of SIGKILL");
        assertEquals(137, process.exitValue(), "broker " + name + " killed by SIGKILL; see " + stdout.toAbsolutePath());
    }

    /**
     * The JVM options every broker runs with ({@code bin/weir server} reads the same file): one per line, '#'
     * comments, a line may hold an option and its value. Empty if log-server (which ships the file) is not on the
     * class path; the start then fails naming the missing component.
     */
    static List<String> jvmOptions() {
        return JvmOptions.fromResource(JVM_OPTIONS_RESOURCE).orElse(List.of());
    }

    @Override
    public void close() {
        ChildProcesses.killQuietly(process);
    }
}
