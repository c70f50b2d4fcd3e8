package dev.weir.registry.storage;

import dev.weir.registry.RegistryConfig;
import dev.weir.registry.RegistryException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store topic: creates it if missing (1 partition, {@code cleanup.policy=compact}), reads it from the
 * beginning on a dedicated thread into {@link RegistryState}, and writes records with read-your-writes:
 * {@link #write} returns only once the reader has applied the written offset.
 *
 * <p>Thread-safety: {@link #write} and {@link #waitUntilCaughtUp} may be called from any thread (they block,
 * so never from an event loop). The consumer is used only by the reader thread.
 */
public final class KafkaStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaStore.class);

    private final RegistryConfig config;
    private final RegistryState state;
    private final TopicPartition tp;
    private final Admin admin;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private final Object positionLock = new Object();
    private long position; // next offset the reader will apply; guarded by positionLock
    private volatile boolean running = true;
    private volatile Throwable readerFailure;

    public KafkaStore(RegistryConfig config, RegistryState state) {
        this.config = config;
        this.state = state;
        this.tp = new TopicPartition(config.topic(), 0);
        Properties common = new Properties();
        common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
        admin = Admin.create(common);
        Properties pp = new Properties();
        pp.putAll(common);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(pp);
        Properties cp = new Properties();
        cp.putAll(common);
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(cp);
        reader = new Thread(this::readLoop, "registry-store-reader");
        reader.setDaemon(true);
    }

    /** Creates the topic if missing, starts the reader and waits until it has read the whole topic. */
    public void start() {
        ensureTopic();
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        reader.start();
        waitUntilCaughtUp();
        log.info("store {} read up to offset {}", config.topic(), position());
    }

    private void ensureTopic() {
        try {
            if (admin.listTopics().names().get(config.timeoutMs(), TimeUnit.MILLISECONDS).contains(config.topic())) {
                return;
            }
            NewTopic topic = new NewTopic(config.topic(), 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(topic)).all().get(config.timeoutMs(), TimeUnit.MILLISECONDS);
            log.info("created store topic {} (1 partition, cleanup.policy=compact)", config.topic());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create store topic " + config.topic() + " on "
                        + config.bootstrap() + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("no broker answered at " + config.bootstrap() + " within "
                    + config.timeoutMs() + " ms (" + RegistryConfig.BOOTSTRAP + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the store topic");
        }
    }

    private void readLoop() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> r : records) {
                    try {
                        state.apply(r.key(), r.value());
                    } catch (RuntimeException e) {
                        log.warn("skipping store record at offset {}: {}", r.offset(), e.toString());
                    }
                }
                long pos = consumer.position(tp);
                synchronized (positionLock) {
                    position = pos;
                    positionLock.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            readerFailure = t;
            log.error("store reader stopped", t);
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    /** Why the reader stopped on its own (the state is frozen), or null while it reads. */
    public String failure() {
        Throwable t = readerFailure;
        return t == null ? null : "store reader stopped: " + t;
    }

    public long position() {
        synchronized (positionLock) {
            return position;
        }
    }

    /** Writes one record and waits until the reader applied it. Value null writes a tombstone. */
    public void write(String key, String value) {
        RecordMetadata md;
        try {
            md = producer.send(new ProducerRecord<>(config.topic(), 0, key, value))
                    .get(config.timeoutMs(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw RegistryException.storeError("write to " + config.topic() + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw RegistryException.timeout("write to " + config.topic() + " not acknowledged within "
                    + config.timeoutMs() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.storeError("interrupted");
        }
        awaitPosition(md.offset() + 1);
    }

    /** Waits until the reader has applied everything written to the topic before this call. */
    public void waitUntilCaughtUp() {
        long end;
        try {
            end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
                    .get(config.timeoutMs(), TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException e) {
            throw RegistryException.storeError("cannot read the end of " + config.topic() + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw RegistryException.timeout("end offset of " + config.topic() + " not known within " + config.timeoutMs() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.storeError("interrupted");
        }
        awaitPosition(end);
    }

    private void awaitPosition(long target) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMs());
        synchronized (positionLock) {
            while (position < target) {
                if (readerFailure != null) {
                    throw RegistryException.storeError("store reader failed: " + readerFailure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw RegistryException.timeout("store reader did not reach offset " + target + " within "
                            + config.timeoutMs() + " ms (at " + position + ")");
                }
                try {
                    positionLock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw RegistryException.storeError("interrupted");
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (reader.isAlive()) {
            consumer.wakeup();
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (reader.getState() == Thread.State.NEW) {
            consumer.close(Duration.ofSeconds(1));
        }
        producer.close(Duration.ofSeconds(2));
        admin.close(Duration.ofSeconds(2));
    }
}
