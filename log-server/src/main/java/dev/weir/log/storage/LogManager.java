package dev.weir.log.storage;

import org.apache.kafka.common.TopicPartition;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/** All partition logs of a broker (API skeleton; implementation follows). */
public final class LogManager implements AutoCloseable {

    private LogManager() {
    }

    public static LogManager open(List<Path> logDirs, Clock clock, ScheduledExecutorService scheduler,
                                  long retentionCheckIntervalMs, long flushCheckIntervalMs) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static LogManager open(List<Path> logDirs, Clock clock, ScheduledExecutorService scheduler,
                                  long retentionCheckIntervalMs, long flushCheckIntervalMs,
                                  Function<String, LogConfig> configForTopic) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public PartitionLog getOrCreate(TopicPartition tp, LogConfig config) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public Map<TopicPartition, PartitionLog> all() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void delete(TopicPartition tp) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void updateConfig(String topic, LogConfig config) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
