package dev.weir.log.storage;

import dev.weir.log.protocol.KafkaCompactionCodec;
import dev.weir.log.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up the {@link PartitionLog} tests share: logs and cleaners opened over one hand-moved {@link #clock}
 * (starting at {@link #T0}) and one scheduler, and all of them closed, newest first, after each test. Closing a log
 * twice is harmless, so a test may still close and reopen logs itself.
 *
 * <p>A test about one log lets the fixture own its directory ({@link #dir()}, created on first use and deleted
 * after the test) and opens it with {@link #openLog()}, also from a field initializer:
 *
 * <pre>{@code
 * @RegisterExtension
 * final LogFixture logs = new LogFixture();
 * PartitionLog log = logs.openLog();
 * }</pre>
 */
final class LogFixture implements AfterEachCallback {
    /** Where {@link #clock} starts: a fixed recent instant, so record timestamps are realistic and repeatable. */
    static final long T0 = 1_700_000_000_000L;

    final MutableClock clock = new MutableClock(T0);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private Path dir;

    /** 1 KiB segments, an index entry every 100 bytes and no delete delay: a few appends roll segments. */
    static LogConfig smallConfig() {
        return LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(100).withFileDeleteDelayMs(0)
                .withSegmentIndexBytes(4096);
    }

    /** {@link #smallConfig()} with {@code cleanup}, e.g. {@link CleanupConfig#compactDefaults()}. */
    static LogConfig compactConfig(CleanupConfig cleanup) {
        return smallConfig().withCleanup(cleanup);
    }

    /** Opens (or recovers) the log in {@code dir}; closed after the test. */
    PartitionLog open(Path dir, LogConfig config) {
        PartitionLog log = PartitionLog.open(dir, config, clock, scheduler);
        opened.push(log);
        return log;
    }

    /** A fresh directory for this test's log, the same on every call; deleted after the test. */
    Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("weir-log-test-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Opens (or recovers) the log in {@link #dir()} with {@link #smallConfig()}; closed after the test. */
    PartitionLog openLog() {
        return open(dir(), smallConfig());
    }

    /**
     * A cleaner of the logs {@code logs} names when it runs (one thread, 1 MiB of dedupe buffer, 10 ms backoff),
     * not started; closed after the test, before the logs.
     */
    LogCleaner cleaner(Supplier<List<PartitionLog>> logs) {
        LogCleaner cleaner = new LogCleaner(logs::get, new KafkaCompactionCodec(), clock,
                new LogCleaner.Settings(10, 1, 1024 * 1024));
        opened.push(cleaner);
        return cleaner;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                failure = collect(failure, e);
            }
        }
        scheduler.shutdownNow();
        if (dir != null) { // after its logs and their scheduled work are stopped
            try {
                deleteTree(dir);
            } catch (IOException e) {
                failure = collect(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static Exception collect(Exception failure, Exception e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }
}
