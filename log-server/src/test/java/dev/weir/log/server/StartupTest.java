package dev.weir.log.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.common.launcher.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person sees when a broker cannot start (one line naming the thing and the fix, a non-zero exit, nothing
 * left running), and that an open port means a broker that serves.
 */
@Tag("fast")
class StartupTest {
    @TempDir
    Path dir;

    /** A start through the launcher, as {@code bin/weir server} runs it, returning immediately once ready. */
    private record Run(int exit, String out, String err, dev.weir.common.launcher.Component component) {
        List<String> errLines() {
            return err.lines().filter(l -> l.startsWith("weir server:")).toList();
        }
    }

    private static Run launch(String... overrides) {
        List<String> args = new ArrayList<>();
        for (String o : overrides) {
            args.add("--override");
            args.add(o);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher.Started started = Launcher.start(new BrokerComponentFactory(), args.toArray(String[]::new),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(started.exitCode(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                started.component());
    }

    @Test
    void aTakenPortIsNamedWithTheFixAndTheFailedStartReleasesTheDirectory() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            Run run = launch("listeners=PLAINTEXT://127.0.0.1:" + port, "log.dirs=" + dir);
            assertEquals(Launcher.EXIT_START, run.exit(), run.err());
            assertEquals(1, run.errLines().size(), run.err());
            String line = run.errLines().get(0);
            assertTrue(line.contains("port " + port + " on 127.0.0.1 is already in use"), line);
            assertTrue(line.contains("--override listeners=PLAINTEXT://127.0.0.1:PORT"), line);
            assertTrue(!run.err().contains("\tat "), "no stack trace without --stacktrace: " + run.err());
        }
        // Failure-atomic: the failed start closed what it had opened, so the directory lock is free again.
        // Port 0 with the default three network threads: all event loops share the one random port.
        Run second = launch("listeners=PLAINTEXT://127.0.0.1:0", "log.dirs=" + dir);
        assertEquals(0, second.exit(), second.err());
        second.component().close();
    }

    @Test
    void aDirectoryLockedByAnotherBrokerIsNamed() {
        WeirBroker first = WeirBroker.start(dev.weir.log.config.BrokerConfig.from(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0", "num.network.threads", "1", "log.dirs", dir.toString())));
        try {
            Run run = launch("listeners=PLAINTEXT://127.0.0.1:0", "num.network.threads=1", "log.dirs=" + dir);
            assertEquals(Launcher.EXIT_START, run.exit(), run.err());
            String line = run.errLines().get(0);
            assertTrue(line.contains(dir.toString()) && line.contains("in use by another broker"), line);
            assertTrue(line.contains("give each broker its own log.dirs"), line);
        } finally {
            first.close();
        }
    }

    @Test
    void aDirectoryThatCannotBeCreatedIsNamed() throws IOException {
        // Tests may run as root, which may write anywhere: a regular file in the path is what stops it.
        Path file = Files.createFile(dir.resolve("a-file"));
        Path logDir = file.resolve("logs");
        Run run = launch("listeners=PLAINTEXT://127.0.0.1:0", "num.network.threads=1", "log.dirs=" + logDir);
        assertEquals(Launcher.EXIT_START, run.exit(), run.err());
        String line = run.errLines().get(0);
        assertTrue(line.contains("directory " + logDir + " (log.dirs) cannot be created or written"), line);
        assertTrue(line.contains("--override log.dirs=DIR"), line);
    }

    @Test
    void aBadConfigValueNamesTheKeyAndExitsWithTwo() {
        Run run = launch("num.io.threads=lots", "log.dirs=" + dir);
        assertEquals(Launcher.EXIT_CONFIG, run.exit(), run.err());
        assertEquals(List.of("weir server: invalid value 'lots' for config num.io.threads: expected int between "
                + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE), run.errLines());
    }

    @Test
    void aMalformedOverrideIsNamed() {
        Run run = launch("log.dirs");
        assertEquals(Launcher.EXIT_CONFIG, run.exit(), run.err());
        assertEquals(List.of("weir server: --override 'log.dirs' must have the form key=value"), run.errLines());
    }

    /**
     * The first Produce sent the instant the port accepts a connection succeeds, with no retries allowed: the
     * port opens only when the broker can serve (requests arriving before registration wait for it).
     */
    @Test
    void theFirstProduceAfterThePortOpensSucceeds() throws Exception {
        for (int round = 0; round < 3; round++) {
            int port = freePort();
            Path logDir = dir.resolve("round-" + round);
            CompletableFuture<WeirBroker> starting = CompletableFuture.supplyAsync(() -> WeirBroker.start(
                    dev.weir.log.config.BrokerConfig.from(Map.of("listeners", "PLAINTEXT://127.0.0.1:" + port,
                            "log.dirs", logDir.toString(), "num.io.threads", "2"))));
            awaitPortOpen(port, starting);
            Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                    ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                RecordMetadata written = producer.send(new ProducerRecord<>("first-" + round, "k", "v"))
                        .get(30, TimeUnit.SECONDS);
                assertEquals(0, written.offset());
            } finally {
                starting.get(60, TimeUnit.SECONDS).close();
            }
        }
    }

    /** Spins on connect so the check happens as early as a script polling the port would see it open. */
    private static void awaitPortOpen(int port, CompletableFuture<?> starting) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 100);
                return;
            } catch (IOException notYet) {
                if (starting.isCompletedExceptionally()) {
                    starting.get();
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("port " + port + " never opened");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
