package dev.weir.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads N records from the start of every partition of the topic and measures throughput.
 *
 * <p>Uses assign + seekToBeginning with no group.id, so no group coordinator is involved and the
 * figure is fetch throughput alone.
 */
final class ConsumerBenchmark {

    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    /** If the topic yields nothing for this long, it holds fewer records than asked for. */
    private static final long STALL_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final PerfOptions options;
    private final PrintStream progressOut;

    ConsumerBenchmark(PerfOptions options, PrintStream progressOut) {
        this.options = options;
        this.progressOut = progressOut;
    }

    PhaseResult run() {
        try (Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(options))) {
            List<PartitionInfo> partitions = consumer.partitionsFor(options.topic,
                    Duration.ofSeconds(options.connectTimeoutSeconds));
            if (partitions == null || partitions.isEmpty()) {
                throw new BenchmarkFailedException("topic " + options.topic + " has no partitions");
            }
            List<TopicPartition> assigned = partitions.stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);

            return measure(consumer);
        }
    }

    /**
     * Reads the warm-up records, then the measured ones. One loop for both so no record is lost at
     * the boundary: a poll's records past the warm-up count as measured (the clock starts there).
     * Records past the target are not counted.
     */
    private PhaseResult measure(Consumer<byte[], byte[]> consumer) {
        AtomicLong measured = new AtomicLong();
        long bytes = 0;
        long warmupSeen = 0;
        long start = 0;
        ProgressReporter progress = null;
        if (options.warmupRecords == 0) {
            start = System.nanoTime();
            progress = newProgressReporter(measured);
        }
        long lastRecordAt = System.nanoTime();
        try {
            while (measured.get() < options.records) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(POLL_TIMEOUT);
                if (batch.isEmpty()) {
                    failIfStalled(lastRecordAt, warmupSeen + measured.get());
                    continue;
                }
                lastRecordAt = System.nanoTime();
                long count = measured.get();
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    if (warmupSeen < options.warmupRecords) {
                        if (++warmupSeen == options.warmupRecords) {
                            start = System.nanoTime();
                            progress = newProgressReporter(measured);
                        }
                        continue;
                    }
                    if (count == options.records) {
                        break;
                    }
                    count++;
                    bytes += Math.max(0, record.serializedValueSize());
                }
                measured.set(count);
            }
        } finally {
            if (progress != null) {
                progress.close();
            }
        }
        long elapsed = System.nanoTime() - start;
        return new PhaseResult("consume", measured.get(), options.recordSize, bytes, elapsed, Optional.empty());
    }

    private ProgressReporter newProgressReporter(AtomicLong measured) {
        return new ProgressReporter("consume", options.recordSize, measured::get, Optional.empty(),
                progressOut, options.progressIntervalSeconds);
    }

    private void failIfStalled(long lastRecordAt, long readSoFar) {
        if (System.nanoTime() - lastRecordAt > STALL_LIMIT_NANOS) {
            throw new BenchmarkFailedException("consume stalled: read " + readSoFar + " of "
                    + (options.warmupRecords + options.records) + " records (warm-up included) from "
                    + options.topic + " and nothing more arrived for 30 s");
        }
    }

    static Properties consumerConfig(PerfOptions options) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "weir-perf-consumer");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.putAll(options.consumerProps);
        return config;
    }
}
