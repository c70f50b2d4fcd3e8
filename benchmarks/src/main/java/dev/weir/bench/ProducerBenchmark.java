package dev.weir.bench;

import java.io.PrintStream;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.HdrHistogram.Histogram;

/**
 * Produces N records of S bytes as fast as the producer allows (or at {@code --throughput}) and
 * measures throughput plus per-record latency from {@code send()} to its acknowledgement callback,
 * the same definition as Kafka's ProducerPerformance.
 *
 * <p>With {@code --transactional-id} the records go in transactions of {@code --records-per-transaction}:
 * beginTransaction, that many sends, commitTransaction, one after another on the calling thread (as a
 * consume-transform-produce loop does). Elapsed time includes every commit; commitTransaction's own duration
 * (flushing the transaction's last batches, EndTxn, and the coordinator writing its markers) is reported
 * as commit latency.
 */
final class ProducerBenchmark {

    /** Fixed so every run (and every broker) gets the same incompressible payload. */
    private static final long PAYLOAD_SEED = 42;

    private final PerfOptions options;
    private final PrintStream progressOut;

    ProducerBenchmark(PerfOptions options, PrintStream progressOut) {
        this.options = options;
        this.progressOut = progressOut;
    }

    PhaseResult run() {
        byte[] payload = payload(options.recordSize);
        boolean transactional = options.transactionalId != null;
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(options))) {
            if (transactional) {
                try {
                    producer.initTransactions();
                } catch (KafkaException e) {
                    throw new BenchmarkFailedException("initTransactions for transactional.id '"
                            + options.transactionalId + "' failed: " + e, e);
                }
            }
            if (options.warmupRecords > 0) {
                send(producer, payload, options.warmupRecords, new AtomicLong(), null, new AtomicReference<>(), null);
            }
            LatencyRecorder latencies = new LatencyRecorder();
            Histogram commits = transactional ? new Histogram(3) : null;
            AtomicLong acked = new AtomicLong();
            AtomicReference<Exception> firstError = new AtomicReference<>();
            long start = System.nanoTime();
            try (ProgressReporter ignored = new ProgressReporter("produce", options.recordSize, acked::get,
                    Optional.of(latencies), progressOut, options.progressIntervalSeconds)) {
                send(producer, payload, options.records, acked, latencies, firstError, commits);
            }
            long elapsed = System.nanoTime() - start;
            if (firstError.get() != null) {
                throw new BenchmarkFailedException("produce failed: " + (options.records - acked.get())
                        + " of " + options.records + " records not acknowledged; first error: " + firstError.get(),
                        firstError.get());
            }
            return new PhaseResult("produce", options.records, options.recordSize,
                    options.records * options.recordSize, elapsed,
                    Optional.of(LatencySummary.fromMicros(latencies.total())),
                    commits == null ? 0 : commits.getTotalCount(),
                    commits == null ? Optional.empty() : Optional.of(LatencySummary.fromMicros(commits)));
        }
    }

    /** Plain or in transactions, as configured; {@code commits} (microseconds) gets each commit's duration. */
    private void send(Producer<byte[], byte[]> producer, byte[] payload, long count, AtomicLong acked,
                      LatencyRecorder latencies, AtomicReference<Exception> firstError, Histogram commits) {
        if (options.transactionalId == null) {
            sendAll(producer, payload, count, acked, latencies, firstError);
            return;
        }
        Pacer pacer = new Pacer(options.throughput);
        long i = 0;
        while (i < count) {
            long end = Math.min(count, i + options.recordsPerTransaction);
            try {
                producer.beginTransaction();
                for (; i < end; i++) {
                    pacer.awaitTurn(i);
                    sendOne(producer, payload, acked, latencies, firstError);
                }
                long commitStart = System.nanoTime();
                producer.commitTransaction();
                if (commits != null) {
                    commits.recordValue(Math.max(0, (System.nanoTime() - commitStart) / 1000));
                }
            } catch (KafkaException e) {
                Exception cause = firstError.get() != null ? firstError.get() : e;
                throw new BenchmarkFailedException("transactional produce failed after " + acked.get()
                        + " acknowledged records: " + e + (cause == e ? "" : "; first send error: " + cause), e);
            }
        }
    }

    /** Sends {@code count} records and returns once every one is acknowledged or failed. */
    private void sendAll(Producer<byte[], byte[]> producer, byte[] payload, long count, AtomicLong acked,
                         LatencyRecorder latencies, AtomicReference<Exception> firstError) {
        Pacer pacer = new Pacer(options.throughput);
        for (long i = 0; i < count; i++) {
            pacer.awaitTurn(i);
            sendOne(producer, payload, acked, latencies, firstError);
        }
        producer.flush();
    }

    private void sendOne(Producer<byte[], byte[]> producer, byte[] payload, AtomicLong acked,
                         LatencyRecorder latencies, AtomicReference<Exception> firstError) {
        long sentAt = System.nanoTime();
        producer.send(new ProducerRecord<>(options.topic, payload), (metadata, exception) -> {
            if (exception != null) {
                firstError.compareAndSet(null, exception);
                return;
            }
            if (latencies != null) {
                latencies.recordNanos(System.nanoTime() - sentAt);
            }
            acked.incrementAndGet();
        });
    }

    static Properties producerConfig(PerfOptions options) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "weir-perf-producer");
        config.put(ProducerConfig.ACKS_CONFIG, options.acks);
        config.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(options.lingerMs));
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(options.batchSize));
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, options.compression);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        if (options.transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, options.transactionalId);
        }
        config.putAll(options.producerProps);
        return config;
    }

    static byte[] payload(int size) {
        byte[] payload = new byte[size];
        new Random(PAYLOAD_SEED).nextBytes(payload);
        return payload;
    }
}
