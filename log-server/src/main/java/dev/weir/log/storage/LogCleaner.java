package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Compacts the logs whose {@code cleanup.policy} includes {@code compact}, in the background: each of
 * {@link Settings#threads()} threads ({@code weir-log-cleaner-N}) repeatedly picks the log most in need of cleaning
 * (see {@link LogToClean}: deadlines first, then the highest dirty ratio) and has a {@link LogCompactor} clean it;
 * when no log qualifies it sleeps {@link Settings#backoffMs()} ({@code log.cleaner.backoff.ms}).
 *
 * <p>State kept here, in memory only: which logs are being cleaned (a log is never cleaned by two threads at once) and,
 * per log, the earliest delete horizon of the tombstones it retains, so that a log is cleaned again once tombstones
 * may go. After a restart that horizon is estimated from the batch headers (an early estimate costs one cleaning).
 * The cleaner checkpoint itself is persisted by the {@link PartitionLog}.
 *
 * <p>Thread-safety: all methods are thread-safe. {@link #close()} stops the threads between chunks of work (never by
 * interrupting them, which would close the segments' channels) and waits for them.
 */
public final class LogCleaner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

    /**
     * Broker-level cleaner settings, named after Kafka's.
     *
     * @param backoffMs         {@code log.cleaner.backoff.ms}: sleep when no log needs cleaning
     * @param threads           {@code log.cleaner.threads}
     * @param dedupeBufferBytes {@code log.cleaner.dedupe.buffer.size}: memory for the offset maps of all threads
     */
    public record Settings(long backoffMs, int threads, long dedupeBufferBytes) {
        public Settings {
            if (backoffMs < 0) throw new IllegalArgumentException("log.cleaner.backoff.ms must be >= 0, was " + backoffMs);
            if (threads < 1) throw new IllegalArgumentException("log.cleaner.threads must be >= 1, was " + threads);
            if (dedupeBufferBytes < 1) {
                throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size must be positive, was " + dedupeBufferBytes);
            }
        }

        /** Kafka's defaults. */
        public static Settings defaults() {
            return new Settings(15_000L, 1, 128L * 1024 * 1024);
        }
    }

    private final Supplier<Collection<PartitionLog>> logs;
    private final CompactionCodec codec;
    private final Clock clock;
    private final Settings settings;
    private final Set<PartitionLog> inProgress = new HashSet<>();
    /** Earliest retained tombstone's delete horizon per log; absent = unknown. */
    private final Map<PartitionLog, Long> deleteHorizons = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Object sleep = new Object();
    private volatile boolean stopping;

    /** @param logs the broker's logs, asked anew at each pick */
    public LogCleaner(Supplier<Collection<PartitionLog>> logs, CompactionCodec codec, Clock clock, Settings settings) {
        this.logs = logs;
        this.codec = codec;
        this.clock = clock;
        this.settings = settings;
    }

    /** Starts the background threads. */
    public synchronized void start() {
        for (int i = 0; i < settings.threads(); i++) {
            Thread t = new Thread(this::run, "weir-log-cleaner-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        log.info("Log cleaner started: {} thread(s), backoff {} ms", settings.threads(), settings.backoffMs());
    }

    private void run() {
        while (!stopping) {
            boolean cleaned;
            try {
                cleaned = cleanOne();
            } catch (RuntimeException | Error e) {
                log.error("Log cleaner pass failed", e);
                cleaned = false;
            }
            if (!cleaned) {
                synchronized (sleep) {
                    if (!stopping) {
                        try {
                            sleep.wait(Math.max(1, settings.backoffMs()));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }
        }
    }

    /**
     * Cleans, on the calling thread, every log that needs it until none does (or each was cleaned
     * {@code maxRounds} times); logs busy in a background thread are skipped.
     *
     * @return the number of cleanings done
     */
    public int cleanNow(int maxRounds) {
        int done = 0;
        for (int i = 0; i < maxRounds * Math.max(1, logs.get().size()) && cleanOne(); i++) {
            done++;
        }
        return done;
    }

    /** Wakes the background threads, e.g. after a config change made a log cleanable. */
    public void wakeUp() {
        synchronized (sleep) {
            sleep.notifyAll();
        }
    }

    /** Picks the log most in need of cleaning and cleans it; false if none needed it. */
    boolean cleanOne() {
        long now = clock.millis();
        LogToClean target = pick(now);
        if (target == null) {
            return false;
        }
        try {
            long start = System.nanoTime();
            LogCompactor compactor = new LogCompactor(codec, settings.dedupeBufferBytes() / settings.threads(),
                    () -> stopping);
            LogCompactor.Result result = compactor.clean(target, now);
            if (result.completed()) {
                deleteHorizons.put(target.log, result.earliestDeleteHorizon());
                log.info("{}: cleaned {} -> {} bytes up to offset {} in {} ms ({})", target.log.dir(),
                        result.bytesRead(), result.bytesWritten(), result.cleanedUpTo(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), target);
            } else {
                deleteHorizons.remove(target.log);
            }
            return result.completed();
        } catch (IOException | RuntimeException e) {
            deleteHorizons.remove(target.log);
            log.warn("{}: cleaning failed, will retry: {}", target.log.dir(), e.toString(), e);
            return false;
        } finally {
            synchronized (inProgress) {
                inProgress.remove(target.log);
            }
        }
    }

    private LogToClean pick(long now) {
        Set<PartitionLog> all = new HashSet<>(logs.get());
        deleteHorizons.keySet().retainAll(all);
        synchronized (inProgress) {
            LogToClean best = null;
            for (PartitionLog l : all) {
                LogConfig config = l.config();
                if (!config.cleanup().compact() || inProgress.contains(l)) {
                    continue;
                }
                try {
                    PartitionLog.CleanerSnapshot snapshot = l.cleanerSnapshot();
                    if (snapshot == null) {
                        continue;
                    }
                    Long horizon = deleteHorizons.get(l);
                    if (horizon == null) {
                        horizon = estimateDeleteHorizon(snapshot.view());
                        deleteHorizons.put(l, horizon);
                    }
                    LogToClean candidate = LogToClean.of(l, snapshot, config.cleanup(), now, horizon);
                    if (candidate.shouldClean(config.cleanup())
                            && (best == null || candidate.priority() > best.priority())) {
                        best = candidate;
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("{}: cannot assess the log for cleaning: {}", l.dir(), e.toString());
                }
            }
            if (best != null) {
                inProgress.add(best.log);
            }
            return best;
        }
    }

    /** The earliest delete horizon in the batch headers of the non-active segments, or Long.MAX_VALUE. */
    private static long estimateDeleteHorizon(LogView view) throws IOException {
        long earliest = Long.MAX_VALUE;
        for (LogSegment s : view.segments().values()) {
            if (s == view.active()) {
                break;
            }
            FileBatches batches = new FileBatches(s.channel(), 0, s.size());
            for (FileBatch b = batches.next(); b != null; b = batches.next()) {
                if (b.header().hasDeleteHorizonMs()) {
                    earliest = Math.min(earliest, b.header().baseTimestamp());
                }
            }
        }
        return earliest;
    }

    /** Stops the threads after their current chunk of work and waits for them. */
    @Override
    public void close() {
        stopping = true;
        wakeUp();
        List<Thread> started;
        synchronized (this) {
            started = List.copyOf(threads);
        }
        for (Thread t : started) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("{} did not stop within 30 s", t.getName());
            }
        }
    }
}
