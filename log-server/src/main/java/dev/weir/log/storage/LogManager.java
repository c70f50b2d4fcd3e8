package dev.weir.log.storage;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * All partition logs of a broker, spread over one or more log directories ({@code log.dirs}).
 *
 * <p>On-disk layout: each log directory holds a {@code .lock} file (locked while open, so two brokers cannot
 * share a directory) and one directory per partition named {@code <topic>-<partition>} (see {@link PartitionLog}).
 * A partition being deleted is renamed to {@code <topic>-<partition>.<uuid>-delete}; leftovers are removed on open.
 * Other entries belong to other components and are ignored.
 *
 * <p>Runs retention every {@code retentionCheckIntervalMs} and time-based flushes (which also checkpoint the
 * recovery point) every {@code flushCheckIntervalMs} on the caller's scheduler; compaction runs on the
 * {@link LogCleaner}'s own threads once {@link #startCleaner} was called.
 *
 * <p>Thread-safety: all methods are thread-safe; creation and deletion of a partition are serialized.
 */
public final class LogManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    private static final String LOCK_FILE = ".lock";

    private final List<Path> logDirs;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Function<String, LogConfig> configForTopic;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final List<FileLock> dirLocks = new ArrayList<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile LogCleaner cleaner;
    private boolean closed;

    private LogManager(List<Path> logDirs, Clock clock, ScheduledExecutorService scheduler,
                       Function<String, LogConfig> configForTopic) {
        this.logDirs = List.copyOf(logDirs);
        this.clock = clock;
        this.scheduler = scheduler;
        this.configForTopic = configForTopic;
    }

    /** Opens the log dirs with {@link LogConfig#defaults()} for the partitions found (until reconfigured). */
    public static LogManager open(List<Path> logDirs, Clock clock, ScheduledExecutorService scheduler,
                                  long retentionCheckIntervalMs, long flushCheckIntervalMs) {
        return open(logDirs, clock, scheduler, retentionCheckIntervalMs, flushCheckIntervalMs,
                topic -> LogConfig.defaults());
    }

    /**
     * Locks the log dirs, loads (and if needed recovers) every partition found and starts the periodic tasks.
     *
     * @param scheduler      runs retention, flushes and delayed deletions; owned by the caller
     * @param configForTopic the config of each partition found on disk
     */
    public static LogManager open(List<Path> logDirs, Clock clock, ScheduledExecutorService scheduler,
                                  long retentionCheckIntervalMs, long flushCheckIntervalMs,
                                  Function<String, LogConfig> configForTopic) {
        if (logDirs.isEmpty()) {
            throw new IllegalArgumentException("log.dirs is empty: configure at least one log directory");
        }
        LogManager manager = new LogManager(logDirs, clock, scheduler, configForTopic);
        try {
            manager.lockDirs();
            manager.loadLogs();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        manager.tasks.add(scheduler.scheduleWithFixedDelay(manager::applyRetention, retentionCheckIntervalMs,
                retentionCheckIntervalMs, TimeUnit.MILLISECONDS));
        manager.tasks.add(scheduler.scheduleWithFixedDelay(manager::flushDueLogs, flushCheckIntervalMs,
                flushCheckIntervalMs, TimeUnit.MILLISECONDS));
        return manager;
    }

    private void lockDirs() {
        for (Path dir : logDirs) {
            try {
                Files.createDirectories(dir);
                FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    channel.close();
                    throw new KafkaStorageException("Log directory " + dir + " is in use by another broker: give each "
                            + "broker its own log.dirs");
                }
                dirLocks.add(lock);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot open log directory " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    private void loadLogs() {
        Map<TopicPartition, Path> found = new HashMap<>();
        for (Path dir : logDirs) {
            for (Path child : list(dir)) {
                String name = child.getFileName().toString();
                if (!Files.isDirectory(child)) {
                    continue;
                }
                if (LogFileNames.isDeleteDir(name)) {
                    log.info("Finishing the deletion of {}", child);
                    scheduler.execute(() -> deleteQuietly(child));
                    continue;
                }
                Optional<TopicPartition> tp = LogFileNames.parsePartitionDir(name);
                if (tp.isEmpty()) {
                    continue;
                }
                Path previous = found.put(tp.get(), child);
                if (previous != null) {
                    throw new KafkaStorageException("Partition " + tp.get() + " exists in two log directories, "
                            + previous + " and " + child + ": remove the stale copy");
                }
            }
        }
        long unclean = found.values().stream()
                .filter(d -> !Files.exists(d.resolve(LogFileNames.CLEAN_SHUTDOWN_FILE))).count();
        log.info("Loading {} partition(s) from {}{}", found.size(), logDirs,
                unclean > 0 ? "; recovering " + unclean + " partition(s) not shut down cleanly" : "");
        int loaded = 0;
        long lastReport = System.nanoTime();
        for (Map.Entry<TopicPartition, Path> e : found.entrySet()) {
            logs.put(e.getKey(), PartitionLog.open(e.getValue(), configForTopic.apply(e.getKey().topic()), clock,
                    scheduler));
            loaded++;
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5) || loaded == found.size()) {
                log.info("Loaded {}/{} partition(s)", loaded, found.size());
                lastReport = System.nanoTime();
            }
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.toList();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot list log directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Dirs.deleteRecursively(dir);
        } catch (IOException e) {
            log.warn("Could not delete {}; will retry on next start", dir, e);
        }
    }

    /**
     * The partition's log, created in the log dir holding the fewest partitions if it does not exist. An
     * existing log takes {@code config} if it differs.
     */
    public synchronized PartitionLog getOrCreate(TopicPartition tp, LogConfig config) {
        ensureOpen();
        PartitionLog existing = logs.get(tp);
        if (existing != null) {
            if (!existing.config().equals(config)) {
                existing.updateConfig(config);
            }
            return existing;
        }
        Path dir = leastLoadedDir().resolve(LogFileNames.partitionDirName(tp));
        PartitionLog created = PartitionLog.open(dir, config, clock, scheduler);
        logs.put(tp, created);
        log.info("Created log for {} in {}", tp, dir);
        return created;
    }

    private Path leastLoadedDir() {
        Map<Path, Integer> counts = new HashMap<>();
        logDirs.forEach(d -> counts.put(d, 0));
        for (PartitionLog l : logs.values()) {
            counts.computeIfPresent(l.dir().getParent(), (d, n) -> n + 1);
        }
        return logDirs.stream().min(Comparator.comparingInt(counts::get)).orElseThrow();
    }

    /**
     * Starts compacting the logs whose cleanup.policy includes compact ({@code log.cleaner.enable}); the cleaner stops
     * with this manager.
     */
    public synchronized LogCleaner startCleaner(CompactionCodec codec, LogCleaner.Settings settings) {
        ensureOpen();
        if (cleaner != null) {
            throw new IllegalStateException("the log cleaner is already running");
        }
        cleaner = new LogCleaner(() -> logs.values(), codec, clock, settings);
        cleaner.start();
        return cleaner;
    }

    /** The running cleaner, if {@link #startCleaner} was called. */
    public Optional<LogCleaner> cleaner() {
        return Optional.ofNullable(cleaner);
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    /** A snapshot of all partition logs. */
    public Map<TopicPartition, PartitionLog> all() {
        return Map.copyOf(logs);
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    /** Removes the partition: see {@link PartitionLog#delete()}. Does nothing if it does not exist. */
    public synchronized void delete(TopicPartition tp) {
        PartitionLog removed = logs.remove(tp);
        if (removed != null) {
            removed.delete();
        }
    }

    /** Applies {@code config} to every partition of {@code topic}. */
    public void updateConfig(String topic, LogConfig config) {
        for (Map.Entry<TopicPartition, PartitionLog> e : logs.entrySet()) {
            if (e.getKey().topic().equals(topic)) {
                e.getValue().updateConfig(config);
            }
        }
    }

    /** One retention pass over all partitions (also run periodically). */
    public void applyRetention() {
        long now = clock.millis();
        for (Map.Entry<TopicPartition, PartitionLog> e : logs.entrySet()) {
            try {
                e.getValue().deleteRetainedSegments(now);
            } catch (RuntimeException ex) {
                // One failing partition must not stop retention (nor cancel the periodic task) for the others.
                log.error("Retention failed for {}", e.getKey(), ex);
            }
        }
    }

    /** Flushes the partitions whose flush.ms has passed (also run periodically). */
    public void flushDueLogs() {
        long now = clock.millis();
        for (Map.Entry<TopicPartition, PartitionLog> e : logs.entrySet()) {
            try {
                e.getValue().flushIfDue(now);
            } catch (RuntimeException ex) {
                log.error("Flush failed for {}", e.getKey(), ex);
            }
        }
    }

    /** Stops the periodic tasks and closes every partition cleanly, then releases the log dirs. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tasks.forEach(t -> t.cancel(false));
        if (cleaner != null) {
            cleaner.close();
        }
        log.info("Closing {} partition log(s)", logs.size());
        for (Map.Entry<TopicPartition, PartitionLog> e : logs.entrySet()) {
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                log.error("Failed to close the log of {} cleanly; it will be recovered on next start", e.getKey(), ex);
            }
        }
        logs.clear();
        for (FileLock lock : dirLocks) {
            try {
                lock.release();
                lock.channel().close();
            } catch (IOException e) {
                log.warn("Failed to release {}", lock, e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new KafkaStorageException("The log manager is closed");
        }
    }
}
