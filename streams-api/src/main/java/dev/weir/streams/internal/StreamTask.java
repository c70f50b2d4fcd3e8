package dev.weir.streams.internal;

import dev.weir.streams.StreamsException;
import dev.weir.streams.TaskId;
import dev.weir.streams.Topology;
import dev.weir.streams.processor.Cancellable;
import dev.weir.streams.processor.PunctuationType;
import dev.weir.streams.processor.Punctuator;
import java.util.ArrayList;
import dev.weir.streams.serde.Serde;
import dev.weir.streams.state.BytesStore;
import dev.weir.streams.state.KeyValueStore;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task: the processors of one sub-topology over one partition of its source topics, with its own
 * stores. Records are buffered per input partition and processed head-first in timestamp order across
 * partitions; stream time is the largest timestamp processed and never goes backwards. Used by both
 * the runtime and {@code StreamsTestDriver}, so the test driver runs exactly the production code path.
 * Not thread-safe: one thread owns a task.
 */
public final class StreamTask {
    private static final Logger log = LoggerFactory.getLogger(StreamTask.class);
    private final ErrorPolicy errors;
    private long skipped;
    private long lateDropped;
    private final TaskId id;
    private final Topology topology;
    private final String applicationId;
    private final RecordSink sink;
    private final LongSupplier wallClock;
    private final Map<String, Node.Source> sourceOfTopic = new HashMap<>();
    private final Map<String, NodeProcessor> processors = new HashMap<>();
    private final Map<String, Ctx> contexts = new HashMap<>();
    private final Map<String, TypedStore<Object, Object>> stores = new LinkedHashMap<>();
    private final Map<TopicPartition, ArrayDeque<RawRecord>> queues = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> consumed = new HashMap<>();
    private long streamTime = Long.MIN_VALUE;
    private RawRecord current;
    private long currentTimestamp;
    private long processed;
    private final List<Schedule> schedules = new ArrayList<>();

    /** A punctuation: fires when its clock reaches {@code next}, then moves {@code next} past that clock. */
    private static final class Schedule {
        final String node;
        final long interval;
        final PunctuationType type;
        final Punctuator punctuator;
        long next;
        boolean cancelled;

        Schedule(String node, long interval, PunctuationType type, Punctuator punctuator, long next) {
            this.node = node;
            this.interval = interval;
            this.type = type;
            this.punctuator = punctuator;
            this.next = next;
        }
    }

    /**
     * @param sourceTopics the real names of this task's source topics
     * @param bytesStores  the opened local stores of this task, by store name (already restored)
     */
    @SuppressWarnings("unchecked")
    public StreamTask(TaskId id, Topology topology, String applicationId, List<String> sourceTopics,
                      Map<String, BytesStore> bytesStores, RecordSink sink, LongSupplier wallClock,
                      ErrorPolicy errors) {
        this.errors = errors;
        this.id = id;
        this.topology = topology;
        this.applicationId = applicationId;
        this.sink = sink;
        this.wallClock = wallClock;
        Topology.SubTopology sub = topology.subTopologies().get(id.subTopology());
        for (String n : sub.nodes()) {
            Node node = topology.node(n);
            if (node instanceof Node.Source s) {
                for (String t : sourceTopics) {
                    if (s.topics().stream().anyMatch(x -> topology.topicName(applicationId, x).equals(t))
                            || (s.pattern() != null && s.pattern().matcher(t).matches())) {
                        sourceOfTopic.put(t, s);
                    }
                }
            } else if (node instanceof Node.Processor p) {
                processors.put(n, p.supplier().get());
            }
            contexts.put(n, new Ctx(n));
        }
        for (String t : sourceTopics) {
            queues.put(new TopicPartition(t, id.partition()), new ArrayDeque<>());
        }
        for (String storeName : sub.stores()) {
            StoreSpec spec = topology.stores().get(storeName);
            String changelog = spec.changelogTopic(applicationId);
            stores.put(storeName, new TypedStore<>(bytesStores.get(storeName), (Serde<Object>) spec.keySerde(),
                    (Serde<Object>) spec.valueSerde(), changelog,
                    (k, v, ts) -> sink.send(changelog, id.partition(), k, v, ts), () -> currentTimestamp));
        }
        for (Map.Entry<String, NodeProcessor> e : processors.entrySet()) {
            e.getValue().init(contexts.get(e.getKey()));
        }
    }

    public TaskId id() {
        return id;
    }

    public java.util.Set<TopicPartition> inputPartitions() {
        return queues.keySet();
    }

    public void add(RawRecord r) {
        ArrayDeque<RawRecord> q = queues.get(new TopicPartition(r.topic(), r.partition()));
        if (q == null) {
            throw new IllegalArgumentException("task " + id + " does not read " + r.topic() + "-" + r.partition());
        }
        q.add(r);
    }

    /** Drops buffered records (the consumer will fetch them again from the committed offsets). */
    public void clearBuffers() {
        queues.values().forEach(ArrayDeque::clear);
    }

    public boolean hasBuffered() {
        return queues.values().stream().anyMatch(q -> !q.isEmpty());
    }

    public int buffered() {
        return queues.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /** Processes the buffered record with the smallest timestamp; false if nothing is buffered. */
    public boolean processOne() {
        ArrayDeque<RawRecord> best = null;
        for (ArrayDeque<RawRecord> q : queues.values()) {
            if (!q.isEmpty() && (best == null || q.peek().timestamp() < best.peek().timestamp())) {
                best = q;
            }
        }
        if (best == null) {
            return false;
        }
        RawRecord r = best.poll();
        Node.Source source = sourceOfTopic.get(r.topic());
        Object key;
        Object value;
        try {
            key = source.keySerde().deserialize(r.topic(), r.key());
            value = source.valueSerde().deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            fail(r, new StreamsException("task " + id + " cannot deserialize the record at " + r.topic()
                    + "-" + r.partition() + "@" + r.offset() + " with " + source.keySerde() + "/"
                    + source.valueSerde() + ": " + e.getMessage(), e), errors.continueOnDeserialization());
            return true;
        }
        long ts = r.timestamp();
        if (source.timestampExtractor() != null) {
            try {
                ts = source.timestampExtractor().extract(key, value, r.timestamp(), streamTime);
            } catch (RuntimeException e) {
                fail(r, new StreamsException("task " + id + ": the timestamp extractor failed on the record at "
                        + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e, e), errors.continueOnDeserialization());
                return true;
            }
        }
        if (ts < 0) {
            fail(r, new StreamsException("task " + id + ": the record at " + r.topic() + "-" + r.partition() + "@"
                    + r.offset() + " has the invalid timestamp " + ts,
                    new IllegalArgumentException("negative timestamp " + ts)), errors.continueOnDeserialization());
            return true;
        }
        current = r;
        currentTimestamp = ts;
        streamTime = Math.max(streamTime, ts);
        try {
            forwardFrom(source.name(), new Rec(key, value, ts));
        } catch (RuntimeException e) {
            fail(r, new StreamsException("task " + id + " failed processing the record at " + r.topic()
                    + "-" + r.partition() + "@" + r.offset() + ": " + e, e), errors.continueOnProcessing());
            return true;
        }
        consumed.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        processed++;
        current = null;
        punctuate(PunctuationType.STREAM_TIME, streamTime);
        return true;
    }

    /**
     * A record could not be deserialized or processed: dead-letter it if configured, then throw, or log
     * and move past it (its offset counts as consumed, so it is not read again).
     */
    private void fail(RawRecord r, StreamsException e, boolean carryOn) {
        current = null;
        if (errors.deadLetterTopic() != null) {
            sink.send(errors.deadLetterTopic(), null, r.key(), r.value(), r.timestamp(), errorHeaders(r, e.getCause()));
        }
        if (!carryOn) {
            throw e;
        }
        log.warn("{}; skipped (error handler: continue{})", e.getMessage(),
                errors.deadLetterTopic() == null ? "" : ", dead-lettered to " + errors.deadLetterTopic());
        skipped++;
        consumed.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
    }

    private static Headers errorHeaders(RawRecord r, Throwable cause) {
        StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        RecordHeaders h = new RecordHeaders();
        h.add("__streams.errors.exception", bytes(cause.getClass().getName()));
        h.add("__streams.errors.message", bytes(String.valueOf(cause.getMessage())));
        h.add("__streams.errors.stacktrace", bytes(trace.toString()));
        h.add("__streams.errors.topic", bytes(r.topic()));
        h.add("__streams.errors.partition", bytes(Integer.toString(r.partition())));
        h.add("__streams.errors.offset", bytes(Long.toString(r.offset())));
        return h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Records dropped because every window they belong to had closed (later than the grace period). */
    public long lateDropped() {
        return lateDropped;
    }

    /** Records skipped by a continue error handler. */
    public long skipped() {
        return skipped;
    }

    /** Fires the wall-clock punctuations that are due; true if any fired. */
    public boolean punctuateWallClock() {
        return punctuate(PunctuationType.WALL_CLOCK_TIME, wallClock.getAsLong());
    }

    private boolean punctuate(PunctuationType type, long now) {
        boolean fired = false;
        for (Schedule s : List.copyOf(schedules)) {
            if (s.cancelled || s.type != type) {
                continue;
            }
            if (s.next == Long.MIN_VALUE) { // stream time was unknown when it was scheduled
                s.next = now + s.interval;
                continue;
            }
            if (now >= s.next) {
                s.next += s.interval * ((now - s.next) / s.interval + 1);
                currentTimestamp = now;
                try {
                    s.punctuator.punctuate(now);
                } catch (RuntimeException e) {
                    throw new StreamsException("task " + id + ": a " + type + " punctuation of " + s.node
                            + " failed at " + now + ": " + e, e);
                }
                fired = true;
            }
        }
        schedules.removeIf(s -> s.cancelled);
        return fired;
    }

    /** Closes the processors (the caller closes the stores afterwards). */
    public void close() {
        for (NodeProcessor p : processors.values()) {
            p.close();
        }
    }

    /** Next offset to consume per input partition, for what has been processed so far. */
    public Map<TopicPartition, Long> consumedOffsets() {
        return Map.copyOf(consumed);
    }

    public long streamTime() {
        return streamTime;
    }

    public long processed() {
        return processed;
    }

    public Map<String, TypedStore<Object, Object>> stores() {
        return stores;
    }

    private void forwardFrom(String node, Rec r) {
        for (String child : topology.children(node)) {
            dispatch(child, r);
        }
    }

    @SuppressWarnings("unchecked")
    private void dispatch(String nodeName, Rec r) {
        NodeProcessor p = processors.get(nodeName);
        if (p != null) {
            p.process(r, contexts.get(nodeName));
            return;
        }
        Node.Sink s = (Node.Sink) topology.node(nodeName);
        String topic = s.topic() != null ? topology.topicName(applicationId, s.topic())
                : s.extractor().topic(r.key(), r.value());
        if (topic == null || topic.isEmpty()) {
            throw new IllegalStateException("sink " + nodeName + " chose no topic for key " + r.key());
        }
        byte[] k = ((Serde<Object>) s.keySerde()).serialize(topic, r.key());
        byte[] v = ((Serde<Object>) s.valueSerde()).serialize(topic, r.value());
        sink.send(topic, null, k, v, r.timestamp());
    }

    private final class Ctx implements NodeContext {
        private final String node;

        Ctx(String node) {
            this.node = node;
        }

        @Override
        public void forward(Rec record) {
            forwardFrom(node, record);
        }

        @Override
        public void forward(Rec record, String childName) {
            if (!topology.children(node).contains(childName)) {
                throw new IllegalArgumentException(childName + " is not a child of " + node);
            }
            dispatch(childName, record);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <K, V> KeyValueStore<K, V> store(String name) {
            KeyValueStore<?, ?> s = stores.get(name);
            if (s == null) {
                throw new IllegalArgumentException("processor " + node + " asked for store '" + name
                        + "', which is not connected to it");
            }
            return (KeyValueStore<K, V>) s;
        }

        @Override
        public String applicationId() {
            return applicationId;
        }

        @Override
        public TaskId taskId() {
            return id;
        }

        @Override
        public void recordLateDrop() {
            lateDropped++;
        }

        @Override
        public Cancellable schedule(long intervalMs, PunctuationType type, Punctuator punctuator) {
            if (intervalMs < 1) {
                throw new IllegalArgumentException("a punctuation interval must be at least 1 ms");
            }
            long next = type == PunctuationType.WALL_CLOCK_TIME ? wallClock.getAsLong() + intervalMs
                    : streamTime == Long.MIN_VALUE ? Long.MIN_VALUE : streamTime + intervalMs;
            Schedule s = new Schedule(node, intervalMs, type, punctuator, next);
            schedules.add(s);
            return () -> s.cancelled = true;
        }

        @Override
        public long streamTime() {
            return streamTime;
        }

        @Override
        public long wallClockTime() {
            return wallClock.getAsLong();
        }

        @Override
        public String topic() {
            return current == null ? null : current.topic();
        }

        @Override
        public int partition() {
            return current == null ? -1 : current.partition();
        }

        @Override
        public long offset() {
            return current == null ? -1 : current.offset();
        }
    }
}
