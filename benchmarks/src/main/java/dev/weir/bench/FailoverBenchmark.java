package dev.weir.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Option;

/**
 * Failover time of one partition leader: produce at a fixed rate (acks=all, idempotent) to a new topic
 * of one partition (replication factor 3, min.insync.replicas 2 by default), kill the partition's
 * leader with a user-supplied command after a warm-up, keep producing, and measure
 *
 * <ul>
 *   <li><b>failover time</b>: from the kill command's return to the first acknowledgement of a record
 *       written by the new leader (a newer leader epoch, read back afterwards; if the broker does not
 *       stamp epochs, the first acknowledgement of a record handed to {@code send()} after the kill,
 *       which the old leader cannot have seen);</li>
 *   <li>the longest gap between two consecutive acknowledgements (over the whole measured run);</li>
 *   <li>failed sends (callbacks with an exception; an acks=all idempotent producer should have none);</li>
 *   <li>whether every acknowledged record is readable afterwards, at the offset it was acknowledged with,
 *       with dense offsets (no holes) and no duplicates.</li>
 * </ul>
 *
 * <p>It also polls the leader with Admin after the kill, to split the failover time into "until the
 * cluster's metadata names a new leader" and "until the producer gets through to it". One kill per run:
 * restarting the killed broker is the caller's job ({@code benchmarks/run-cluster.sh}).
 */
final class FailoverBenchmark {

    /** One acknowledged record: its sequence number (the record key), offset and when the callback ran. */
    record Ack(long seq, long offset, long sentNanos, long ackNanos) {
    }

    /** What the read-back found, offset by offset. */
    record Verification(long consumed, long firstOffset, long lastOffset, long holes, long duplicates,
                        long ackedMissing, long unackedPresent, Map<Long, Integer> epochByOffset) {
        boolean ok() {
            return holes == 0 && duplicates == 0 && ackedMissing == 0;
        }
    }

    private final FailoverOptions options;
    private final PrintStream out;
    private final PrintStream err;

    FailoverBenchmark(FailoverOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /** Runs one kill; returns true when every check passed. */
    boolean run() {
        try (Admin admin = Admin.create(adminConfig())) {
            String topic = prepareTopic(admin);
            TopicPartition tp = new TopicPartition(topic, 0);
            return measure(admin, tp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailedException("interrupted", e);
        }
    }

    private boolean measure(Admin admin, TopicPartition tp) throws InterruptedException {
        byte[] payload = ProducerBenchmark.payload(options.recordSize);
        List<Ack> acks = new ArrayList<>();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        LatencyRecorder latencies = new LatencyRecorder();
        // Set once the kill command has returned; a record sent after it cannot have reached the old leader.
        AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong firstAckSentAfterKill = new AtomicLong(Long.MAX_VALUE);
        AtomicLong sent = new AtomicLong();
        Sender sender;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig())) {
            sender = new Sender(producer, tp, payload, acks, failed, firstError, latencies, killedAt,
                    firstAckSentAfterKill, sent);
            Thread thread = new Thread(sender, "failover-sender");
            thread.start();
            try {
                sleepSeconds(options.warmupSeconds);
                if (ackCount(acks) == 0) {
                    throw new BenchmarkFailedException("no record acknowledged during the " + options.warmupSeconds
                            + " s warm-up (" + failed.get() + " failed; first error: " + firstError.get() + ")");
                }
                PartitionState before = describe(admin, tp);
                Integer controller = controller(admin);
                if (before.leader() < 0) {
                    throw new BenchmarkFailedException("partition " + tp + " has no leader before the kill: " + before);
                }
                long ackedBeforeKill = ackCount(acks);
                err.printf("failover: warm-up done: %d acknowledged, %d failed; leader of %s is broker %d, ISR %s,"
                                + " controller %s; killing broker %d%n", ackedBeforeKill, failed.get(), tp,
                        before.leader(), before.isr(), controller, before.leader());

                LeaderWatcher watcher = new LeaderWatcher(admin, tp, before.leader());
                Thread watcherThread = new Thread(watcher, "failover-leader-watcher");
                String command = killCommand(options.killCommand, before.leaderNode());
                long killStart = System.nanoTime();
                watcher.startNanos = killStart;
                int exit = runKillCommand(command);
                long killEnd = System.nanoTime();
                killedAt.set(killEnd);
                watcherThread.start();
                if (exit != 0) {
                    throw new BenchmarkFailedException("kill command exited with " + exit + ": " + command);
                }

                long deadline = killEnd + TimeUnit.SECONDS.toNanos(options.maxWaitSeconds);
                while (firstAckSentAfterKill.get() == Long.MAX_VALUE && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                boolean recovered = firstAckSentAfterKill.get() != Long.MAX_VALUE;
                if (recovered) {
                    err.printf("failover: a record sent after the kill was acknowledged %.1f ms after it;"
                            + " producing %d s more%n", millis(firstAckSentAfterKill.get() - killEnd), options.afterSeconds);
                    sleepSeconds(options.afterSeconds);
                } else {
                    err.printf("failover: no record sent after the kill was acknowledged within %d s%n",
                            options.maxWaitSeconds);
                }
                sender.stop();
                thread.join();
                watcher.stop();
                watcherThread.join(10_000);
                PartitionState after = describe(admin, tp);

                Verification verification = recovered ? verify(tp, acks) : null;
                Result result = Result.of(options, tp.topic(), before, after, controller, command, killStart, killEnd, acks,
                        ackedBeforeKill, sent.get(), failed.get(), firstError.get(), watcher, verification,
                        firstAckSentAfterKill.get(), latencies);
                printResult(result);
                return recovered && result.ok();
            } finally {
                sender.stop();
                thread.join(TimeUnit.SECONDS.toMillis(options.maxWaitSeconds + 130));
            }
        }
    }

    private static long ackCount(List<Ack> acks) {
        synchronized (acks) {
            return acks.size();
        }
    }

    private static void sleepSeconds(int seconds) throws InterruptedException {
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    }

    static double millis(long nanos) {
        return nanos / 1e6;
    }

    /** {@code {node}}, {@code {host}} and {@code {port}} of the leader substituted into the template. */
    static String killCommand(String template, Node leader) {
        return template.replace("{node}", Integer.toString(leader.id()))
                .replace("{host}", leader.host())
                .replace("{port}", Integer.toString(leader.port()));
    }

    private int runKillCommand(String command) throws InterruptedException {
        err.println("failover: running: " + command);
        try {
            Process process = new ProcessBuilder("bash", "-c", command)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchmarkFailedException("kill command did not finish within 30 s: " + command);
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new BenchmarkFailedException("cannot run kill command " + command + ": " + e, e);
        }
    }

    /** Sends at the fixed rate until stopped, then flushes; the key of record i is i (8 bytes). */
    private final class Sender implements Runnable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final TopicPartition tp;
        private final byte[] payload;
        private final List<Ack> acks;
        private final AtomicLong failed;
        private final AtomicReference<Exception> firstError;
        private final LatencyRecorder latencies;
        private final AtomicLong killedAt;
        private final AtomicLong firstAckSentAfterKill;
        private final AtomicLong sent;
        private volatile boolean stopped;

        Sender(KafkaProducer<byte[], byte[]> producer, TopicPartition tp, byte[] payload, List<Ack> acks,
               AtomicLong failed, AtomicReference<Exception> firstError, LatencyRecorder latencies,
               AtomicLong killedAt, AtomicLong firstAckSentAfterKill, AtomicLong sent) {
            this.producer = producer;
            this.tp = tp;
            this.payload = payload;
            this.acks = acks;
            this.failed = failed;
            this.firstError = firstError;
            this.latencies = latencies;
            this.killedAt = killedAt;
            this.firstAckSentAfterKill = firstAckSentAfterKill;
            this.sent = sent;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            Pacer pacer = new Pacer(options.rate);
            try {
                for (long seq = 0; !stopped; seq++) {
                    pacer.awaitTurn(seq);
                    long sentAt = System.nanoTime();
                    long s = seq;
                    byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(seq).array();
                    producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), key, payload), (metadata, exception) -> {
                        long now = System.nanoTime();
                        if (exception != null) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, exception);
                            return;
                        }
                        latencies.recordNanos(now - sentAt);
                        synchronized (acks) {
                            acks.add(new Ack(s, metadata.offset(), sentAt, now));
                        }
                        if (sentAt > killedAt.get() && firstAckSentAfterKill.get() == Long.MAX_VALUE) {
                            firstAckSentAfterKill.set(now);
                        }
                    });
                    sent.incrementAndGet();
                }
                producer.flush();
            } catch (RuntimeException e) {
                firstError.compareAndSet(null, e);
                err.println("failover: sender stopped: " + e);
            }
        }
    }

    /** The partition's leader and ISR as Admin describes them. */
    record PartitionState(int leader, Node leaderNode, List<Integer> isr, List<Integer> replicas) {
    }

    private PartitionState describe(Admin admin, TopicPartition tp) throws InterruptedException {
        try {
            TopicDescription d = admin.describeTopics(List.of(tp.topic())).allTopicNames()
                    .get(options.connectTimeoutSeconds, TimeUnit.SECONDS).get(tp.topic());
            TopicPartitionInfo p = d.partitions().get(tp.partition());
            Node leader = p.leader();
            return new PartitionState(leader == null || leader.isEmpty() ? -1 : leader.id(), leader,
                    p.isr().stream().map(Node::id).toList(), p.replicas().stream().map(Node::id).toList());
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchmarkFailedException("cannot describe " + tp + ": " + e, e);
        }
    }

    private Integer controller(Admin admin) throws InterruptedException {
        try {
            Node node = admin.describeCluster().controller().get(options.connectTimeoutSeconds, TimeUnit.SECONDS);
            return node == null || node.isEmpty() ? null : node.id();
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /** Polls the leader every 50 ms until Admin names a live leader other than the killed one. */
    private final class LeaderWatcher implements Runnable {
        private final Admin admin;
        private final TopicPartition tp;
        private final int oldLeader;
        volatile long startNanos;
        volatile long newLeaderSeenNanos = Long.MAX_VALUE;
        volatile int newLeader = -1;
        volatile boolean stopped;

        LeaderWatcher(Admin admin, TopicPartition tp, int oldLeader) {
            this.admin = admin;
            this.tp = tp;
            this.oldLeader = oldLeader;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            while (!stopped) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(tp.topic())).allTopicNames()
                            .get(5, TimeUnit.SECONDS).get(tp.topic());
                    Node leader = d.partitions().get(tp.partition()).leader();
                    if (leader != null && !leader.isEmpty() && leader.id() != oldLeader) {
                        newLeaderSeenNanos = System.nanoTime();
                        newLeader = leader.id();
                        return;
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    // The killed broker may still be in Admin's metadata; keep asking.
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Reads the partition from the beginning to its end and checks it against the acknowledgements. */
    private Verification verify(TopicPartition tp, List<Ack> acks) {
        Map<Long, Long> seqByOffset = new HashMap<>();
        Map<Long, Integer> epochByOffset = new HashMap<>();
        Map<Long, Integer> seen = new HashMap<>();
        long consumed = 0;
        long holes = 0;
        long first = -1;
        long prev = -1;
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "weir-perf-failover-verify");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(options.connectTimeoutSeconds)).get(tp);
            long lastProgress = System.nanoTime();
            while (consumer.position(tp, Duration.ofSeconds(options.connectTimeoutSeconds)) < end) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(60)) {
                        throw new BenchmarkFailedException("read-back stalled at offset " + consumer.position(tp)
                                + " of " + end);
                    }
                    continue;
                }
                lastProgress = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (first < 0) {
                        first = r.offset();
                    } else if (r.offset() != prev + 1) {
                        holes++;
                    }
                    prev = r.offset();
                    consumed++;
                    long seq = ByteBuffer.wrap(r.key()).getLong();
                    seqByOffset.put(r.offset(), seq);
                    seen.merge(seq, 1, Integer::sum);
                    r.leaderEpoch().ifPresent(e -> epochByOffset.put(r.offset(), e));
                }
            }
        }
        if (first > 0) {
            holes++; // offsets of a new topic start at 0
        }
        long duplicates = seen.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
        long ackedMissing = 0;
        Set<Long> ackedSeqs = new HashSet<>();
        synchronized (acks) {
            for (Ack a : acks) {
                ackedSeqs.add(a.seq());
                Long atOffset = seqByOffset.get(a.offset());
                if (atOffset == null || atOffset != a.seq()) {
                    ackedMissing++;
                }
            }
        }
        long unackedPresent = seen.keySet().stream().filter(s -> !ackedSeqs.contains(s)).count();
        return new Verification(consumed, first, prev, holes, duplicates, ackedMissing, unackedPresent, epochByOffset);
    }

    /** The figures of one kill. */
    record Result(String topic, int killedNode, boolean killedWasController, List<Integer> isrBefore, int leaderAfter,
                  List<Integer> isrAfter, String command, double killCommandMs, long sent, long acked,
                  long ackedBeforeKill, long failed, String firstError, double failoverMs, String failoverMethod,
                  long oldLeaderAcksAfterKill, double firstAckSentAfterKillMs, double newLeaderInMetadataMs,
                  double maxGapMs, double maxGapStartMsFromKill, double maxLatencyMs, double p99LatencyMs,
                  Verification verification) {

        boolean ok() {
            return failed == 0 && verification != null && verification.ok();
        }

        static Result of(FailoverOptions options, String topic, PartitionState before, PartitionState after, Integer controller,
                         String command, long killStart, long killEnd, List<Ack> acksList, long ackedBeforeKill,
                         long sent, long failed, Exception firstError, LeaderWatcher watcher,
                         Verification verification, long firstAckSentAfterKill, LatencyRecorder latencies) {
            List<Ack> acks;
            synchronized (acksList) {
                acks = new ArrayList<>(acksList);
            }
            acks.sort((a, b) -> Long.compare(a.ackNanos(), b.ackNanos()));
            int oldEpoch = -1;
            boolean epochs = verification != null && !verification.epochByOffset().isEmpty();
            if (epochs) {
                for (Ack a : acks) {
                    if (a.ackNanos() <= killEnd) {
                        oldEpoch = Math.max(oldEpoch, verification.epochByOffset().getOrDefault(a.offset(), -1));
                    }
                }
            }
            long firstNewLeaderAck = Long.MAX_VALUE;
            long oldLeaderAcksAfterKill = 0;
            for (Ack a : acks) {
                if (a.ackNanos() <= killEnd) {
                    continue;
                }
                boolean byNewLeader = epochs
                        ? verification.epochByOffset().getOrDefault(a.offset(), -1) > oldEpoch
                        : a.sentNanos() > killEnd;
                if (byNewLeader) {
                    firstNewLeaderAck = Math.min(firstNewLeaderAck, a.ackNanos());
                } else if (firstNewLeaderAck == Long.MAX_VALUE) {
                    oldLeaderAcksAfterKill++;
                }
            }
            if (!epochs) {
                oldLeaderAcksAfterKill = 0; // unknown without epochs
            }
            double maxGap = 0;
            double maxGapStart = Double.NaN;
            for (int i = 1; i < acks.size(); i++) {
                double gap = millis(acks.get(i).ackNanos() - acks.get(i - 1).ackNanos());
                if (gap > maxGap) {
                    maxGap = gap;
                    maxGapStart = millis(acks.get(i - 1).ackNanos() - killEnd);
                }
            }
            LatencySummary latency = LatencySummary.fromMicros(latencies.total());
            return new Result(topic, before.leader(), controller != null && controller == before.leader(),
                    before.isr(), after.leader(), after.isr(), command, millis(killEnd - killStart), sent, acks.size(),
                    ackedBeforeKill, failed, firstError == null ? null : firstError.toString(),
                    firstNewLeaderAck == Long.MAX_VALUE ? Double.NaN : millis(firstNewLeaderAck - killEnd),
                    epochs ? "leader-epoch" : "sent-after-kill", oldLeaderAcksAfterKill,
                    firstAckSentAfterKill == Long.MAX_VALUE ? Double.NaN : millis(firstAckSentAfterKill - killEnd),
                    watcher.newLeaderSeenNanos == Long.MAX_VALUE ? Double.NaN : millis(watcher.newLeaderSeenNanos - killEnd),
                    maxGap, maxGapStart, latency.maxMs(), latency.p99Ms(), verification);
        }
    }

    private void printResult(Result r) {
        Verification v = r.verification();
        out.printf(Locale.ROOT, "failover: killed leader broker %d%s (ISR before %s); new leader %d (ISR after %s);"
                        + " failover %.1f ms (new leader in metadata after %.1f ms); longest gap between acks %.1f ms;"
                        + " %d sent, %d acknowledged, %d failed; read-back: %s%n",
                r.killedNode(), r.killedWasController() ? " (the controller)" : "", r.isrBefore(), r.leaderAfter(),
                r.isrAfter(), r.failoverMs(), r.newLeaderInMetadataMs(), r.maxGapMs(), r.sent(), r.acked(), r.failed(),
                v == null ? "not done" : v.ok()
                        ? "OK, every acknowledged record at its offset, offsets " + v.firstOffset() + ".." + v.lastOffset()
                        + " dense, no duplicates"
                        : "FAILED: " + v.holes() + " holes, " + v.duplicates() + " duplicates, " + v.ackedMissing()
                        + " acknowledged records missing");
        if (r.firstError() != null) {
            out.println("failover: first error: " + r.firstError());
        }
        if (options.json) {
            out.printf(Locale.ROOT, "{\"phase\":\"failover\",\"topic\":\"%s\",\"killedNode\":%d,\"killedWasController\":%b,"
                            + "\"isrBefore\":\"%s\",\"leaderAfter\":%d,\"isrAfter\":\"%s\",\"killCommandMs\":%.1f,"
                            + "\"failoverMs\":%.1f,\"failoverMethod\":\"%s\",\"oldLeaderAcksAfterKill\":%d,"
                            + "\"firstAckSentAfterKillMs\":%.1f,\"newLeaderInMetadataMs\":%.1f,\"maxGapMs\":%.1f,"
                            + "\"maxGapStartMsFromKill\":%.1f,\"maxLatencyMs\":%.1f,\"p99LatencyMs\":%.1f,\"rate\":%d,"
                            + "\"sent\":%d,\"acked\":%d,\"ackedBeforeKill\":%d,\"failed\":%d,\"readBackOk\":%b,"
                            + "\"consumed\":%d,\"holes\":%d,\"duplicates\":%d,\"ackedMissing\":%d,\"unackedPresent\":%d,"
                            + "\"ok\":%b}%n",
                    r.topic(), r.killedNode(), r.killedWasController(), r.isrBefore(), r.leaderAfter(), r.isrAfter(),
                    r.killCommandMs(), r.failoverMs(), r.failoverMethod(), r.oldLeaderAcksAfterKill(),
                    r.firstAckSentAfterKillMs(), r.newLeaderInMetadataMs(), r.maxGapMs(), r.maxGapStartMsFromKill(),
                    r.maxLatencyMs(), r.p99LatencyMs(), options.rate, r.sent(), r.acked(), r.ackedBeforeKill(),
                    r.failed(), v != null && v.ok(), v == null ? -1 : v.consumed(), v == null ? -1 : v.holes(),
                    v == null ? -1 : v.duplicates(), v == null ? -1 : v.ackedMissing(),
                    v == null ? -1 : v.unackedPresent(), r.ok());
        }
    }

    private Properties adminConfig() {
        long timeoutMs = TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds);
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "weir-perf-failover-admin");
        return config;
    }

    Properties producerConfig() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServer);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "weir-perf-failover");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(options.lingerMs));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.putAll(options.producerProps);
        return config;
    }

    /**
     * Creates the topic and waits for its full ISR; with {@code --leader-role} other than {@code any}, creates
     * TOPIC-2, TOPIC-3... until the leader's role (controller or not) is the one asked for. Returns the topic.
     */
    private String prepareTopic(Admin admin) throws InterruptedException {
        try {
            admin.describeCluster().nodes().get(options.connectTimeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new BootstrapUnreachableException("cannot reach bootstrap " + options.bootstrapServer
                    + " within " + options.connectTimeoutSeconds + " s (is the cluster running?)", e);
        }
        for (int attempt = 1; attempt <= 12; attempt++) {
            String name = attempt == 1 ? options.topic : options.topic + "-" + attempt;
            PartitionState state = createTopic(admin, name);
            if (options.leaderRole == LeaderRole.any) {
                return name;
            }
            Integer controller = controller(admin);
            boolean isController = controller != null && controller == state.leader();
            if (isController == (options.leaderRole == LeaderRole.controller)) {
                return name;
            }
            err.printf("failover: leader of %s is broker %d, controller %s: not the --leader-role %s; trying another"
                    + " topic%n", name, state.leader(), controller, options.leaderRole);
        }
        throw new BenchmarkFailedException("12 topics created, none with a leader of --leader-role " + options.leaderRole);
    }

    private PartitionState createTopic(Admin admin, String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.connectTimeoutSeconds);
        NewTopic topic = new NewTopic(name, 1, options.replicationFactor)
                .configs(Map.of("min.insync.replicas", Integer.toString(options.minInsyncReplicas)));
        try {
            admin.createTopics(List.of(topic)).all().get(options.connectTimeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                throw new BenchmarkFailedException("topic " + name + " already exists: give a new --topic"
                        + " (offsets are checked from 0)");
            }
            throw new BenchmarkFailedException("cannot create topic " + name + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new BenchmarkFailedException("cannot create topic " + name + " within "
                    + options.connectTimeoutSeconds + " s", e);
        }
        TopicPartition tp = new TopicPartition(name, 0);
        PartitionState state = null;
        while (System.nanoTime() < deadline) {
            try {
                state = describe(admin, tp);
                if (state.leader() >= 0 && state.isr().size() == options.replicationFactor) {
                    err.printf("failover: created %s (RF %d, min.insync.replicas %d): replicas %s, leader %d, ISR %s%n",
                            name, options.replicationFactor, options.minInsyncReplicas, state.replicas(),
                            state.leader(), state.isr());
                    return state;
                }
            } catch (BenchmarkFailedException e) {
                // Not known everywhere yet.
            }
            Thread.sleep(100);
        }
        throw new BenchmarkFailedException("topic " + name + " has no leader with a full ISR after "
                + options.connectTimeoutSeconds + " s: " + state);
    }

    /** Which leader to kill: any, or only one that is (not) also the cluster's controller. */
    enum LeaderRole { any, controller, not_controller }

    /** Options of {@code perf failover}. */
    static final class FailoverOptions {
        @Option(names = "--bootstrap-server", defaultValue = "127.0.0.1:9092",
                description = "Bootstrap servers; name every broker, the leader is killed (default: ${DEFAULT-VALUE}).")
        String bootstrapServer;

        @Option(names = "--topic", defaultValue = "weir-failover",
                description = "A NEW topic, created with one partition (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--kill-command", required = true, paramLabel = "TEMPLATE",
                description = {"Run with bash -c to kill the leader; {node}, {host} and {port} become the leader's"
                        + " node id, host and port.", "E.g. 'kill -9 $(cat DIR/broker-{node}.pid)'."})
        String killCommand;

        @Option(names = "--leader-role", defaultValue = "any", paramLabel = "any|controller|not_controller",
                description = {"Kill a leader that is also the controller, or one that is not: creates TOPIC-2, TOPIC-3..."
                        + " until the new topic's leader has that role (default: ${DEFAULT-VALUE})."})
        LeaderRole leaderRole;

        @Option(names = "--rate", defaultValue = "2000",
                description = "Records per second, fixed (default: ${DEFAULT-VALUE}).")
        long rate;

        @Option(names = "--record-size", defaultValue = "1024",
                description = "Value size in bytes; the key is an 8-byte sequence number (default: ${DEFAULT-VALUE}).")
        int recordSize;

        @Option(names = "--linger-ms", defaultValue = "5", description = "Producer linger.ms (default: ${DEFAULT-VALUE}).")
        int lingerMs;

        @Option(names = "--replication-factor", defaultValue = "3",
                description = "Replication factor of the topic (default: ${DEFAULT-VALUE}).")
        short replicationFactor;

        @Option(names = "--min-insync-replicas", defaultValue = "2",
                description = "min.insync.replicas of the topic (default: ${DEFAULT-VALUE}).")
        int minInsyncReplicas;

        @Option(names = "--warmup-s", defaultValue = "10",
                description = "Seconds of producing before the kill (default: ${DEFAULT-VALUE}).")
        int warmupSeconds;

        @Option(names = "--after-s", defaultValue = "5",
                description = "Seconds to keep producing once writes get through again (default: ${DEFAULT-VALUE}).")
        int afterSeconds;

        @Option(names = "--max-wait-s", defaultValue = "90",
                description = "Give up if no write gets through this long after the kill (default: ${DEFAULT-VALUE}).")
        int maxWaitSeconds;

        @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE",
                description = "Extra producer configs (acks=all and enable.idempotence=true are the defaults).")
        Map<String, String> producerProps = new LinkedHashMap<>();

        @Option(names = "--connect-timeout-s", defaultValue = "30",
                description = "Timeout for reaching the cluster and for Admin calls (default: ${DEFAULT-VALUE}).")
        int connectTimeoutSeconds;

        @Option(names = "--json", description = "Also print the result as one JSON line on stdout.")
        boolean json;

        void validate() {
            require(rate > 0, "--rate must be > 0");
            require(recordSize >= 0, "--record-size must be >= 0");
            require(replicationFactor > 1, "--replication-factor must be > 1 (there is nothing to fail over to)");
            require(minInsyncReplicas >= 1 && minInsyncReplicas <= replicationFactor,
                    "--min-insync-replicas must be 1..--replication-factor");
            require(warmupSeconds >= 1, "--warmup-s must be >= 1");
            require(afterSeconds >= 0, "--after-s must be >= 0");
            require(maxWaitSeconds >= 1, "--max-wait-s must be >= 1");
            require(connectTimeoutSeconds >= 1, "--connect-timeout-s must be >= 1");
            require(killCommand.contains("{node}") || killCommand.contains("{port}") || killCommand.contains("{host}"),
                    "--kill-command must name the leader with {node}, {port} or {host}");
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
