package dev.weir.log.storage;

import dev.weir.log.protocol.KafkaCompactionCodec;
import dev.weir.log.testing.MutableClock;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up the {@link PartitionLog} tests share: logs and cleaners opened over one hand-moved {@link #clock}
 * (starting at {@link #T0}) and one scheduler, and all of them closed, newest first, after each test. Closing a log
 * twice is harmless, so a test may still close and reopen logs itself.
 *
 * <pre>{@code
 * @RegisterExtension
 * final LogFixture logs = new LogFixture();
 * }</pre>
 */
final class LogFixture implements AfterEachCallback {
    /** Where {@link #clock} starts: a fixed recent instant, so record timestamps are realistic and repeatable. */
    static final long T0 = 1_700_000_000_000L;

    final MutableClock clock = new MutableClock(T0);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

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
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        scheduler.shutdownNow();
        if (failure != null) {
            throw failure;
        }
    }
}
