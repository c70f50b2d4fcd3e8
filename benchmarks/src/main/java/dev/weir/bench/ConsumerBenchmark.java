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

            AtomicLong consumed = new AtomicLong();
            if (options.warmupRecords > 0) {
                readUntil(consumer, options.warmupRecords, consumed, new AtomicLong());
            }
            consumed.set(0);
            AtomicLong bytes = new AtomicLong();
            long start = System.nanoTime();
            try (ProgressReporter ignored = new ProgressReporter("consume", options.recordSize, consumed::get,
                    Optional.empty(), progressOut, options.progressIntervalSeconds)) {
                readUntil(consumer, options.records, consumed, bytes);
            }
            long elapsed = System.nanoTime() - start;
            return new PhaseResult("consume", consumed.get(), options.recordSize, bytes.get(), elapsed, Optional.empty());
        }
    }

    /** Polls until {@code target} records are counted; records past the target are not counted. */
    private void readUntil(Consumer<byte[], byte[]> consumer, long target, AtomicLong consumed, AtomicLong bytes) {
        long lastProgress = System.nanoTime();
        while (consumed.get() < target) {
            ConsumerRecords<byte[], byte[]> batch = consumer.poll(POLL_TIMEOUT);
            if (batch.isEmpty()) {
                if (System.nanoTime() - lastProgress > STALL_LIMIT_NANOS) {
                    throw new BenchmarkFailedException("consume stalled: read " + consumed.get() + " of " + target
                            + " records from " + options.topic + " and nothing more arrived for 30 s"
                            + " (does the topic hold --warmup-records + --records records?)");
                }
                continue;
            }
            lastProgress = System.nanoTime();
            long count = consumed.get();
            long batchBytes = 0;
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                if (count == target) {
                    break;
                }
                count++;
                batchBytes += Math.max(0, record.serializedValueSize());
            }
            bytes.addAndGet(batchBytes);
            consumed.set(count);
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
