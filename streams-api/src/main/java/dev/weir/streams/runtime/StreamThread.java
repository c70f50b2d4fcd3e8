package dev.weir.streams.runtime;

import dev.weir.streams.StreamsConfig;
import dev.weir.streams.Topology;
import dev.weir.streams.internal.PartitionPlan;
import dev.weir.streams.internal.RawRecord;
import dev.weir.streams.internal.StoreFactory;
import dev.weir.streams.internal.StoreSpec;
import dev.weir.streams.internal.StreamTask;
import dev.weir.streams.TaskId;
import dev.weir.streams.state.BytesStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream thread: a group member (consumer with {@link TaskAssignor}) that runs the tasks assigned
 * to it, one producer for all their output and changelog writes, and a restore consumer.
 *
 * <p>Commit ({@code commit.interval.ms}, on rebalance and on close): flush the producer, commit the
 * consumed offsets (at_least_once: {@code commitSync}; exactly_once_v2: {@code sendOffsetsToTransaction}
 * with the group metadata, then {@code commitTransaction}), then checkpoint persistent stores.
 *
 * <p>Local state: a persistent store's checkpoint records the changelog offset up to which the store is
 * on disk; a task resumes its restore there. Under at_least_once the checkpoint is written on commits
 * (after a store flush) and on close: replaying the changelog tail over a store that is ahead of the
 * checkpoint converges to the changelog's state. Under exactly_once_v2 the checkpoint is written only on
 * a clean close and removed when the task opens, so after a crash the store is wiped and rebuilt (it may
 * hold uncommitted writes) — Kafka Streams' behaviour before 4.4; keeping it is follow-up work.
 */
final class StreamThread extends Thread {
    private static final Logger log = LoggerFactory.getLogger(StreamThread.class);
    private static final int MAX_BUFFERED_PER_TASK = 1000;
    private static final long CHECKPOINT_DELTA = 10_000;

    /** A task with its local stores and where their changelogs stand. */
    private static final class Active {
        final StreamTask task;
        final Map<String, BytesStore> stores;
        final Map<TopicPartition, Long> restoredTo = new HashMap<>();
        long checkpointedRecords;

        Active(StreamTask task, Map<String, BytesStore> stores) {
            this.task = task;
            this.stores = stores;
        }
    }

    private final StreamsConfig cfg;
    private final Topology topology;
    private final PartitionPlan plan;
    private final String app;
    private final StoreFactory storeFactory;
    private final boolean eos;
    private final dev.weir.streams.internal.ErrorPolicy errors;
    private volatile long failedWrites;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> restoreConsumer;
    private final Map<TaskId, Active> active = new TreeMap<>();
    private final Map<TaskId, Active> suspended = new TreeMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private final Map<TopicPartition, Long> changelogWritten = new ConcurrentHashMap<>();
    /** Offsets last committed per input partition: an idle thread commits nothing (no empty transactions). */
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Consumer<Throwable> onDeath;
    private volatile Exception sendError;
    private volatile boolean running = true;
    private boolean inTransaction;
    private long lastCommit = System.currentTimeMillis();
    private volatile long processedTotal;
    private volatile long restoredTotal;
    /** Late drops and handler skips of closed tasks, plus a snapshot including the open ones (read by other threads). */
    private long lateClosed;
    private long skippedClosed;
    private volatile long lateTotal;
    private volatile long skippedTotal;

    StreamThread(int index, String processId, StreamsConfig cfg, Topology topology, PartitionPlan plan,
                 StoreFactory storeFactory, Consumer<Throwable> onDeath) {
        super(cfg.applicationId() + "-StreamThread-" + index);
        this.cfg = cfg;
        this.topology = topology;
        this.plan = plan;
        this.app = cfg.applicationId();
        this.storeFactory = storeFactory;
        this.eos = cfg.exactlyOnce();
        this.errors = cfg.errorPolicy();
        this.onDeath = onDeath;
        String clientId = app + "-" + processId + "-StreamThread-" + index;

        Map<String, Object> c = cfg.clientProps("consumer");
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cfg.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, app);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, TaskAssignor.class.getName());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        if (eos) {
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        c.put(TaskAssignor.PLAN, (java.util.function.Supplier<PartitionPlan>) () -> plan);
        c.put(TaskAssignor.OWNED, (java.util.function.Supplier<Set<TaskId>>) this::ownedTasks);
        this.consumer = new KafkaConsumer<>(c);

        Map<String, Object> r = new HashMap<>(c);
        r.remove(ConsumerConfig.GROUP_ID_CONFIG);
        r.remove(TaskAssignor.PLAN);
        r.remove(TaskAssignor.OWNED);
        r.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        r.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-restore-consumer");
        r.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        r.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        this.restoreConsumer = new KafkaConsumer<>(r);

        Map<String, Object> p = cfg.clientProps("producer");
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cfg.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 100);
        p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        if (eos) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, app + "-" + processId + "-" + index);
        }
        this.producer = new KafkaProducer<>(p);
    }

    Set<TaskId> ownedTasks() {
        Set<TaskId> s = new TreeSet<>(active.keySet());
        s.addAll(suspended.keySet());
        return s;
    }

    long processed() {
        return processedTotal;
    }

    long restored() {
        return restoredTotal;
    }

    long lateDropped() {
        return lateTotal;
    }

    long skipped() {
        return skippedTotal;
    }

    private void updateCounters() {
        long late = lateClosed;
        long skipped = skippedClosed;
        for (Active a : active.values()) {
            late += a.task.lateDropped();
            skipped += a.task.skipped();
        }
        for (Active a : suspended.values()) {
            late += a.task.lateDropped();
            skipped += a.task.skipped();
        }
        lateTotal = late;
        skippedTotal = skipped;
    }

    void shutdown() {
        running = false; // seen within poll.ms; no wakeup(), which could interrupt a commit
    }

    @Override
    public void run() {
        Throwable failure = null;
        try {
            if (eos) {
                producer.initTransactions();
            }
            consumer.subscribe(new ArrayList<>(plan.topicToSubTopology().keySet()), new Listener());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(cfg.pollMs()));
                for (ConsumerRecord<byte[], byte[]> rec : records) {
                    Active a = active.get(new TaskId(plan.topicToSubTopology().get(rec.topic()), rec.partition()));
                    if (a != null) {
                        a.task.add(new RawRecord(rec.topic(), rec.partition(), rec.offset(), rec.key(), rec.value(),
                                rec.timestamp()));
                    }
                }
                process();
                for (Active a : active.values()) {
                    a.task.punctuateWallClock();
                }
                updateCounters();
                if (System.currentTimeMillis() - lastCommit >= cfg.commitIntervalMs()) {
                    commit();
                }
            }
            commit();
            closeTasks(active, true);
            closeTasks(suspended, true);
        } catch (Throwable t) {
            failure = t;
            log.error("stream thread {} failed; its tasks are closed without a commit", getName(), t);
            abortQuietly();
            closeTasks(active, false);
            closeTasks(suspended, false);
        } finally {
            closeQuietly(consumer);
            closeQuietly(restoreConsumer);
            closeQuietly(producer);
            if (failure != null) {
                onDeath.accept(failure);
            }
        }
    }

    /** Processes what is buffered, round-robin over tasks in slices, and pauses partitions of full tasks. */
    private void process() {
        boolean any = true;
        while (any && running) {
            any = false;
            for (Active a : active.values()) {
                for (int i = 0; i < 100 && a.task.processOne(); i++) {
                    any = true;
                    processedTotal++;
                }
            }
            checkSendError();
        }
        for (Active a : active.values()) {
            boolean full = a.task.buffered() >= MAX_BUFFERED_PER_TASK;
            for (TopicPartition tp : a.task.inputPartitions()) {
                if (full && paused.add(tp)) {
                    consumer.pause(List.of(tp));
                } else if (!full && paused.remove(tp)) {
                    consumer.resume(List.of(tp));
                }
            }
        }
    }

    private void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp,
                      org.apache.kafka.common.header.Headers headers) {
        if (eos && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
        boolean changelog = plan.changelogTopics().contains(topic);
        producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value, headers), (md, e) -> {
            if (e != null) {
                if (errors.continueOnProduction() && !changelog
                        && !(e instanceof org.apache.kafka.common.errors.RetriableException)) {
                    // Only output records: a lost changelog write would make the store disagree with its changelog.
                    failedWrites++;
                    log.warn("a write to {} failed and is dropped (production.exception.handler=continue): {}", topic, e.toString());
                } else if (sendError == null) {
                    sendError = e;
                }
            } else if (changelog) {
                changelogWritten.merge(new TopicPartition(topic, md.partition()), md.offset() + 1, Math::max);
            }
        });
    }

    private void checkSendError() {
        Exception e = sendError;
        if (e != null) {
            throw new IllegalStateException("a write to the output, repartition or changelog topics failed: " + e, e);
        }
    }

    private void commit() {
        lastCommit = System.currentTimeMillis();
        if (active.isEmpty()) {
            return;
        }
        producer.flush();
        checkSendError();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Active a : active.values()) {
            a.task.consumedOffsets().forEach((tp, o) -> {
                if (!o.equals(committed.get(tp))) {
                    offsets.put(tp, new OffsetAndMetadata(o));
                }
            });
        }
        if (eos) {
            if (!offsets.isEmpty() || inTransaction) {
                if (!inTransaction) {
                    producer.beginTransaction();
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                inTransaction = false;
            }
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        } else {
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
                offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
            }
            for (Active a : active.values()) {
                if (a.task.processed() - a.checkpointedRecords >= CHECKPOINT_DELTA) {
                    checkpoint(a);
                }
            }
        }
    }

    private Path checkpointFile(TaskId id) {
        return storeFactory.taskDir(id).resolve(".checkpoint");
    }

    /** Flushes the task's persistent stores and records the changelog offsets they contain. */
    private void checkpoint(Active a) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (Map.Entry<String, BytesStore> e : a.stores.entrySet()) {
            if (!e.getValue().persistent()) {
                continue;
            }
            e.getValue().flush();
            TopicPartition ctp = changelogPartition(e.getKey(), a.task.id());
            Long o = changelogWritten.getOrDefault(ctp, a.restoredTo.get(ctp));
            if (o != null) {
                offsets.put(ctp, o);
            }
        }
        if (!offsets.isEmpty()) {
            Checkpoint.write(checkpointFile(a.task.id()), offsets);
        }
        a.checkpointedRecords = a.task.processed();
    }

    private TopicPartition changelogPartition(String store, TaskId id) {
        return new TopicPartition(topology.stores().get(store).changelogTopic(app), id.partition());
    }

    private Active open(TaskId id, List<String> sourceTopics) {
        storeFactory.lock(id, Duration.ofSeconds(60));
        try {
            return openLocked(id, sourceTopics);
        } catch (RuntimeException e) {
            storeFactory.unlock(id);
            throw e;
        }
    }

    private Active openLocked(TaskId id, List<String> sourceTopics) {
        Topology.SubTopology sub = topology.subTopologies().get(id.subTopology());
        Map<TopicPartition, Long> cp = Checkpoint.read(checkpointFile(id));
        if (eos) {
            try {
                Files.deleteIfExists(checkpointFile(id));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Map<String, BytesStore> stores = new LinkedHashMap<>();
        try {
            for (String name : sub.stores()) {
                StoreSpec spec = topology.stores().get(name);
                TopicPartition ctp = changelogPartition(name, id);
                if (eos && !cp.containsKey(ctp)) {
                    wipe(storeFactory.taskDir(id).resolve("rocksdb").resolve(name)); // may hold uncommitted writes
                }
                stores.put(name, storeFactory.open(id, spec));
            }
            StreamTask task = new StreamTask(id, topology, app, sourceTopics, stores, this::send, System::currentTimeMillis,
                    errors);
            Active a = new Active(task, stores);
            a.checkpointedRecords = 0;
            for (Map.Entry<String, BytesStore> e : stores.entrySet()) {
                TopicPartition ctp = changelogPartition(e.getKey(), id);
                long from = e.getValue().persistent() ? cp.getOrDefault(ctp, 0L) : 0L;
                a.restoredTo.put(ctp, restore(e.getValue(), ctp, from));
            }
            return a;
        } catch (RuntimeException e) {
            stores.values().forEach(StreamThread::closeQuietly);
            throw e;
        }
    }

    /** Replays the changelog partition from {@code from} to its end into the store; returns the end offset. */
    private long restore(BytesStore store, TopicPartition ctp, long from) {
        restoreConsumer.assign(List.of(ctp));
        long end = restoreConsumer.endOffsets(List.of(ctp)).get(ctp);
        long begin = Math.max(from, restoreConsumer.beginningOffsets(List.of(ctp)).get(ctp));
        if (begin >= end) {
            restoreConsumer.unsubscribe();
            return end;
        }
        restoreConsumer.seek(ctp, begin);
        long started = System.nanoTime();
        long lastLog = started;
        long count = 0;
        log.info("restoring store {} from {} offsets {}..{}", store.name(), ctp, begin, end);
        while (restoreConsumer.position(ctp) < end) {
            for (ConsumerRecord<byte[], byte[]> r : restoreConsumer.poll(Duration.ofMillis(100))) {
                if (r.offset() < end) {
                    store.put(r.key(), r.value());
                    count++;
                    restoredTotal++;
                }
            }
            long now = System.nanoTime();
            if (now - lastLog > 5_000_000_000L) {
                lastLog = now;
                long pos = restoreConsumer.position(ctp);
                log.info("restoring store {} from {}: {}% ({} records, {} records/s)", store.name(), ctp,
                        100 * (pos - begin) / (end - begin), count, count * 1_000_000_000L / (now - started));
            }
        }
        double secs = (System.nanoTime() - started) / 1e9;
        log.info("restored store {} from {}: {} records in {} s ({} records/s)", store.name(), ctp, count,
                String.format("%.2f", secs), secs > 0 ? (long) (count / secs) : count);
        restoreConsumer.unsubscribe();
        return end;
    }

    private void closeTasks(Map<TaskId, Active> tasks, boolean clean) {
        for (Active a : tasks.values()) {
            lateClosed += a.task.lateDropped();
            skippedClosed += a.task.skipped();
            try {
                a.task.close();
            } catch (RuntimeException e) {
                log.warn("a processor of task {} failed to close", a.task.id(), e);
            }
            try {
                if (clean) {
                    checkpoint(a);
                }
            } catch (RuntimeException e) {
                log.warn("cannot checkpoint task {}", a.task.id(), e);
            }
            a.stores.values().forEach(BytesStore::close);
            storeFactory.unlock(a.task.id());
        }
        tasks.clear();
    }

    private void abortQuietly() {
        if (eos && inTransaction) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException e) {
                log.debug("abort failed", e);
            }
            inTransaction = false;
        }
    }

    private static void wipe(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe " + dir, e);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("close failed", e);
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (active.isEmpty()) {
                return;
            }
            commit();
            // Kept open (suspended): if the assignor gives them back, they resume without a restore.
            for (Active a : active.values()) {
                a.task.clearBuffers();
            }
            suspended.putAll(active);
            active.clear();
            paused.clear();
            committed.clear();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TaskId, List<String>> tasks = new TreeMap<>();
            for (TopicPartition tp : partitions) {
                tasks.computeIfAbsent(new TaskId(plan.topicToSubTopology().get(tp.topic()), tp.partition()),
                        t -> new ArrayList<>()).add(tp.topic());
            }
            Map<TaskId, Active> gone = new TreeMap<>(suspended);
            gone.keySet().removeAll(tasks.keySet());
            suspended.keySet().removeAll(gone.keySet());
            closeTasks(gone, true);
            for (Map.Entry<TaskId, List<String>> e : tasks.entrySet()) {
                Active kept = suspended.remove(e.getKey());
                active.put(e.getKey(), kept != null ? kept : open(e.getKey(), e.getValue()));
            }
            log.info("{} runs tasks {}", getName(), active.keySet());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            abortQuietly();
            closeTasks(active, false);
            closeTasks(suspended, false);
        }
    }
}
