package dev.weir.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client application (a main class in test code) in a child JVM, so that a test can kill it with
 * SIGKILL and start it again. Output of each start goes to {@code target/child-clients/NAME-N.out|err}.
 *
 * <p>Thread safety: not thread-safe; one test thread drives one instance.
 */
public final class ClientJvm implements AutoCloseable {
    private static final Path OUTPUT = Path.of("target", "child-clients");

    private final String name;
    private final String classpath;
    private final List<String> jvmArgs;
    private final String mainClass;
    private final List<String> args;
    private Process process;
    private int starts;
    private Path stdout;
    private Path stderr;

    /**
     * @param classpath e.g. {@link #testClasspath()} or {@link #classpathWithClients(String)}
     * @param jvmArgs extra JVM options (heap, system properties)
     */
    public ClientJvm(String name, String classpath, List<String> jvmArgs, Class<?> mainClass, List<String> args)
            throws IOException {
        this.name = name;
        this.classpath = classpath;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.mainClass = mainClass.getName();
        this.args = List.copyOf(args);
        Files.createDirectories(OUTPUT);
        // Output of an earlier run under the same name would be mistaken for this run's.
        try (var old = Files.newDirectoryStream(OUTPUT, name + "-*.{out,err}")) {
            for (Path f : old) {
                Files.delete(f);
            }
        }
    }

    /** This test JVM's classpath, with the pinned kafka-clients. */
    public static String testClasspath() {
        return System.getProperty("java.class.path");
    }

    /**
     * This test JVM's classpath with the kafka-clients jar named by system property {@code clientsJarProperty}
     * (set by the module's pom, as log-server's does) in place of the pinned kafka-clients, for peers (Kafka's tools, Kafka Streams)
     * built against another kafka-clients that is not binary compatible with the pinned one.
     */
    public static String classpathWithClients(String clientsJarProperty) {
        String clients = System.getProperty(clientsJarProperty);
        assertTrue(clients != null && Files.isRegularFile(Path.of(clients)),
                clientsJarProperty + " (copied by the module's pom) is missing: " + clients);
        List<String> entries = new ArrayList<>(List.of(clients));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!Path.of(entry).getFileName().toString().startsWith("kafka-clients-")) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Starts a new process (the previous one must be gone). */
    public void start() throws IOException {
        assertTrue(process == null || !process.isAlive(), name + " is not running");
        int n = ++starts;
        stdout = OUTPUT.resolve(name + "-" + n + ".out");
        stderr = OUTPUT.resolve(name + "-" + n + ".err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }

    public int starts() {
        return starts;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The exit code of the latest start; the process must have exited. */
    public int exitValue() {
        return process.exitValue();
    }

    /** Waits up to {@code millis} for the latest start to exit; true if it has. */
    public boolean waitFor(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /** The standard output of the latest start so far. */
    public String stdout() throws IOException {
        return stdout == null ? "" : Files.readString(stdout, StandardCharsets.UTF_8);
    }

    /** Where the latest start writes its output, for failure messages. */
    public String outputFiles() {
        return stdout.toAbsolutePath() + " and " + stderr.toAbsolutePath();
    }

    /** SIGKILL, and wait for the process to be gone; exit code 137 shows it was the kill that ended it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), name + " died of SIGKILL");
        assertEquals(137, process.exitValue(), name + " killed by SIGKILL (not exited by itself); see " + outputFiles());
    }

    /** SIGTERM, and wait up to {@code millis} for the process to exit; true if it did. */
    public boolean stop(long millis) throws InterruptedException {
        process.destroy();
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ChildProcesses.killQuietly(process);
    }
}
