package dev.weir.log.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogReadInfo;
import dev.weir.log.storage.PartitionLog;
import dev.weir.log.testing.ChildBroker;
import dev.weir.log.testing.NetworkNamespaces;
import dev.weir.log.testing.RawKafkaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition: three child-JVM brokers, each in its own network namespace, an RF=3
 * topic with {@code min.insync.replicas=2} and an acks=all producer writing all along. The partition's
 * leader is cut off from the other two brokers (the test, in the root namespace, still reaches all
 * three), later the cut is healed.
 *
 * <p>What must hold (DESIGN.md, correctness contract): the cut-off leader acknowledges nothing it
 * could lose (every acknowledged record is at its offset in the end, and a raw acks=all probe aimed at
 * the cut-off broker itself gets no acknowledgement for anything sent after the cut); the majority
 * elects a new leader from the ISR and the producer carries on; after the heal the old leader rejoins
 * as a follower, drops the tail it wrote while cut off, catches up and re-enters the ISR; all three
 * replicas end with identical logs, and offsets are dense.
 *
 * <p>The probe is a raw client on one socket to the old leader, because a kafka-clients producer
 * bootstrapped with that broker alone would still learn the other brokers from Metadata and could be
 * acknowledged by the new leader. "After the cut" means sent after {@code isolate()} returned: such a
 * record is appended after every route between the brokers is gone, so no follower can have it.
 *
 * <p>Leadership is not moved back to the preferred replica ({@code auto.leader.rebalance.enable=false})
 * so that "rejoins as follower" is what the test observes. Broker k runs on host k, so node ids and
 * host numbers coincide.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@Tag("root")
class NetworkPartitionTest {
    private static final String TOPIC = "partitioned";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int KAFKA_PORT = 19092;
    private static final int CLUSTER_PORT = 5701;
    private static final int BROKERS = 3;

    @TempDir
    Path dir;

    private final long t0 = System.nanoTime();
    private NetworkNamespaces net;
    private MainProducer producer;
    private Probe probe;

    @Test
    void anIsolatedLeaderAcknowledgesNothingItCouldLoseAndRejoinsAsFollowerAfterTheHeal() throws Exception {
        assumeTrue(NetworkNamespaces.available(), "needs root and iproute2 network namespaces");
        // The clients' INFO lines (metadata updates, leader changes, epoch bumps) explain a stalled producer.
        ch.qos.logback.classic.Logger clientLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients");
        ch.qos.logback.classic.Level clientLevel = clientLog.getLevel();
        clientLog.setLevel(ch.qos.logback.classic.Level.INFO);
        AtomicLong threads = new AtomicLong();
        ExecutorService background = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "partition-test-" + (threads.getAndIncrement()));
            t.setDaemon(true);
            return t;
        });
        try (NetworkNamespaces net = NetworkNamespaces.create(BROKERS);
             Brokers brokers = new Brokers()) {
            this.net = net;
            startCluster(net, brokers);
            createTopic(net);
            View initial = awaitView("the topic has a leader and an ISR of 3 on every broker", Duration.ofSeconds(30),
                    () -> agreedView(net, Set.of(1, 2, 3)).filter(v -> v.leader() > 0 && v.isr().size() == 3));
            int oldLeader = initial.leader();
            List<Integer> majority = IntStream.rangeClosed(1, BROKERS).filter(b -> b != oldLeader).boxed().toList();
            event("leader is broker " + oldLeader + " (epoch " + initial.epoch() + "), ISR " + initial.isr()
                    + "; controller is broker " + controllerSeenBy(net.address(oldLeader)));

            try (MainProducer producer = new MainProducer(net);
                 Probe probe = new Probe(net.address(oldLeader))) {
                this.producer = producer;
                this.probe = probe;
                background.execute(producer);
                background.execute(probe);
                awaitTrue("the producer and the probe get acknowledgements before the cut", Duration.ofSeconds(30),
                        () -> producer.acks.size() >= 200 && probe.successes() >= 5);
                event("before the cut: " + producer.acks.size() + " producer acks, " + probe.successes() + " probe acks");

                // ---- the cut
                long isolating = System.nanoTime();
                net.isolate(oldLeader);
                long isolated = System.nanoTime();
                event("isolate(" + oldLeader + ") took " + ms(isolated - isolating) + " ms");

                // (2) the majority elects a new leader from the ISR
                View elected = awaitView("a majority broker names a new leader", Duration.ofSeconds(30),
                        () -> agreedView(net, Set.copyOf(majority))
                                .filter(v -> v.leader() > 0 && v.leader() != oldLeader));
                long electedAt = System.nanoTime();
                int newLeader = elected.leader();
                assertTrue(majority.contains(newLeader), "the new leader is a majority broker: " + elected);
                assertTrue(elected.epoch() > initial.epoch(), "a new leader epoch: " + elected);
                assertTrue(initial.isr().contains(newLeader), "the new leader comes from the ISR: " + elected);
                event("new leader " + newLeader + " (epoch " + elected.epoch() + ", ISR " + elected.isr() + ") "
                        + ms(electedAt - isolated) + " ms after the cut; controller is broker "
                        + controllerSeenBy(net.address(newLeader)));

                // the cut-off broker notices it is cut off and refuses as leader
                awaitTrue("the cut-off broker refuses the probe with NOT_LEADER_OR_FOLLOWER", Duration.ofSeconds(30),
                        () -> probe.results.stream().anyMatch(r -> r.sentNanos() > isolated
                                && r.error() == Errors.NOT_LEADER_OR_FOLLOWER));
                event("the cut-off broker refuses produce: first NOT_LEADER_OR_FOLLOWER to a probe sent after the cut, "
                        + ms(probe.results.stream().filter(r -> r.sentNanos() > isolated
                                && r.error() == Errors.NOT_LEADER_OR_FOLLOWER)
                        .mapToLong(ProbeResult::doneNanos).min().orElseThrow() - isolated) + " ms after the cut");

                // the producer carries on with the new leader
                awaitTrue("the producer gets acknowledgements from the new leader", Duration.ofSeconds(30),
                        () -> producer.acksAfter(electedAt) >= 100);
                event("the producer carries on: first ack after the election "
                        + ms(producer.acks.stream().mapToLong(Ack::ackNanos).filter(n -> n > electedAt).min()
                                .orElseThrow() - electedAt) + " ms after it");

                // ---- the heal
                net.heal();
                long healed = System.nanoTime();
                event("heal()");
                // (3) the old leader rejoins as a follower of the new leader and re-enters the ISR; every
                // broker (the returning one included) says so.
                View rejoined = awaitView("the old leader is back in the ISR, as a follower, on every broker",
                        Duration.ofSeconds(60), () -> agreedView(net, Set.of(1, 2, 3))
                                .filter(v -> v.leader() == newLeader && v.isr().size() == 3));
                long isrBack = System.nanoTime();
                assertEquals(elected.epoch(), rejoined.epoch(), "no further leader change: " + rejoined);
                event("ISR back to " + rejoined.isr() + " " + ms(isrBack - healed) + " ms after the heal");

                awaitTrue("the producer still gets acknowledgements after the heal", Duration.ofSeconds(30),
                        () -> producer.acksAfter(isrBack) >= 50);
                probe.stop();
                producer.stop();
                // One last acknowledged write with the ISR at 3: all three replicas then hold the whole log.
                RecordMetadata last = producer.sendLast();
                View afterLast = view(net.address(newLeader)).orElseThrow();
                assertEquals(3, afterLast.isr().size(), "the ISR is still complete after the last write: " + afterLast);
                long endOffset = last.offset() + 1;
                event("stopped producing at end offset " + endOffset + ": " + producer.acks.size()
                        + " producer acks (" + producer.acksAfter(isolated) + " after the cut), "
                        + producer.failures.size() + " failed sends, " + probe.successes() + " probe acks, "
                        + probe.results.size() + " probe requests");

                // (1) nothing the cut-off leader acknowledged after the cut: every probe request sent after
                // isolate() returned got an error or no answer.
                List<ProbeResult> ackedAfterCut = probe.results.stream()
                        .filter(r -> r.sentNanos() > isolated && r.error() == Errors.NONE).toList();
                assertEquals(List.of(), ackedAfterCut, "the cut-off broker acknowledged a write sent after the cut");
                Map<String, Long> probeOutcomes = probe.results.stream().filter(r -> r.sentNanos() > isolated)
                        .collect(Collectors.groupingBy(ProbeResult::outcome, TreeMap::new, Collectors.counting()));
                event("probe requests sent to the cut-off broker after the cut: " + probeOutcomes);

                // (3) consume everything from the beginning: dense offsets, every acknowledged record at its offset
                Map<Long, String> consumed = consumeAll(net, endOffset);
                assertEquals(endOffset, consumed.size(), "offsets 0.." + (endOffset - 1) + " are all there (dense)");
                verifyAcknowledged(consumed, producer, probe, isolated);

                // all three replicas hold the same log
                brokers.killAll();
                for (int b = 1; b <= BROKERS; b++) {
                    Map<Long, String> replica = readReplica(b);
                    assertEquals(endOffset, replica.size(), "broker " + b + " log end offset");
                    assertEquals(consumed, replica, "broker " + b + " holds exactly the consumed log");
                }
                event("all three replicas hold the same " + endOffset + " records");
                System.out.printf("NetworkPartitionTest timings: isolation -> new leader elected %d ms; "
                                + "heal -> ISR back to 3 %d ms%n", ms(electedAt - isolated), ms(isrBack - healed));
            }
        } finally {
            background.shutdownNow();
            clientLog.setLevel(clientLevel);
        }
    }

    // ---- cluster

    private void startCluster(NetworkNamespaces net, Brokers brokers) throws Exception {
        String members = IntStream.rangeClosed(1, BROKERS).mapToObj(k -> net.address(k) + ":" + CLUSTER_PORT)
                .collect(Collectors.joining(","));
        String clusterName = "partition-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        for (int k = 1; k <= BROKERS; k++) {
            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("node.id", String.valueOf(k));
            overrides.put("cluster.listen", net.address(k) + ":" + CLUSTER_PORT);
            overrides.put("cluster.members", members);
            overrides.put("cluster.name", clusterName);
            overrides.put("broker.heartbeat.interval.ms", "1000");
            overrides.put("broker.session.timeout.ms", "4000");
            overrides.put("replica.lag.time.max.ms", "3000");
            overrides.put("replica.fetch.wait.max.ms", "200");
            overrides.put("replica.fetch.backoff.ms", "200");
            overrides.put("offsets.topic.num.partitions", "1");
            overrides.put("auto.leader.rebalance.enable", "false");
            brokers.add(new ChildBroker(dir.resolve("broker-" + k), "partition-broker-" + k, overrides,
                    net.commandPrefix(k), net.address(k), KAFKA_PORT));
        }
        // Each broker blocks in startup until three have met (the CP subsystem), so start them together.
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (ChildBroker b : brokers.all) {
            starts.add(CompletableFuture.runAsync(() -> {
                try {
                    b.start();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        event("three brokers ready");
    }

    private static void createTopic(NetworkNamespaces net) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(net)))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static String bootstrap(NetworkNamespaces net) {
        return IntStream.rangeClosed(1, BROKERS).mapToObj(k -> net.address(k) + ":" + KAFKA_PORT)
                .collect(Collectors.joining(","));
    }

    /** Kills every broker it holds, even when the test fails. */
    private static final class Brokers implements AutoCloseable {
        final List<ChildBroker> all = new ArrayList<>();

        void add(ChildBroker b) {
            all.add(b);
        }

        void killAll() throws InterruptedException {
            for (ChildBroker b : all) {
                b.kill();
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (ChildBroker b : all) {
                b.close();
            }
        }
    }

    // ---- what each broker says about the partition (raw Metadata, so we know which broker answered)

    /** One broker's answer: leader (-1 for none), leader epoch and ISR. */
    private record View(int leader, int epoch, List<Integer> isr) {}

    private static Optional<View> view(String host) {
        try (RawKafkaClient client = new RawKafkaClient(host, KAFKA_PORT)) {
            MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(false)
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC)));
            MetadataResponseData response = client.request(ApiKeys.METADATA, (short) 12, request);
            MetadataResponseData.MetadataResponseTopic topic = response.topics().find(TOPIC);
            if (topic == null || topic.partitions().isEmpty()) {
                return Optional.empty();
            }
            MetadataResponseData.MetadataResponsePartition p = topic.partitions().get(0);
            List<Integer> isr = new ArrayList<>(p.isrNodes());
            isr.sort(null);
            return Optional.of(new View(p.leaderId(), p.leaderEpoch(), List.copyOf(isr)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The controller a broker names in its Metadata answer (-1 if it cannot tell). */
    private static int controllerSeenBy(String host) {
        try (RawKafkaClient client = new RawKafkaClient(host, KAFKA_PORT)) {
            MetadataResponseData response = client.request(ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setTopics(List.of()));
            return response.controllerId();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The view the given brokers all answer with, if they agree. */
    private static Optional<View> agreedView(NetworkNamespaces net, Set<Integer> brokers) {
        Set<View> views = new HashSet<>();
        for (int b : brokers) {
            Optional<View> v = view(net.address(b));
            if (v.isEmpty()) {
                return Optional.empty();
            }
            views.add(v.get());
        }
        return views.size() == 1 ? Optional.of(views.iterator().next()) : Optional.empty();
    }

    private interface ViewSource {
        Optional<View> get();
    }

    private View awaitView(String what, Duration atMost, ViewSource source) {
        View[] found = new View[1];
        awaitTrue(what, atMost, () -> {
            Optional<View> v = source.get();
            v.ifPresent(x -> found[0] = x);
            return v.isPresent();
        });
        return found[0];
    }

    /** Awaits a condition; on timeout fails with what every broker says, the clients' state and their threads. */
    private void awaitTrue(String what, Duration atMost, Callable<Boolean> condition) {
        try {
            await(what).atMost(atMost).pollInterval(Duration.ofMillis(100)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not within " + atMost.toSeconds() + " s: " + what + "\n" + diagnostics(), e);
        }
    }

    private String diagnostics() {
        StringBuilder out = new StringBuilder();
        if (net != null) {
            for (int b = 1; b <= BROKERS; b++) {
                out.append("broker ").append(b).append(" says ").append(view(net.address(b))).append('\n');
            }
        }
        MainProducer p = producer;
        if (p != null) {
            List<Ack> acks = new ArrayList<>(p.acks);
            List<String> failures = new ArrayList<>(p.failures);
            out.append("producer: ").append(acks.size()).append(" acks, last ")
                    .append(acks.isEmpty() ? "none" : acks.get(acks.size() - 1)).append("; ").append(failures.size())
                    .append(" failures, last ").append(failures.subList(Math.max(0, failures.size() - 3), failures.size()))
                    .append("; ").append(p.window.availablePermits()).append(" free send slots\n");
        }
        Probe q = probe;
        if (q != null) {
            List<ProbeResult> results = new ArrayList<>(q.results);
            out.append("probe: last ").append(results.subList(Math.max(0, results.size() - 3), results.size()))
                    .append('\n');
        }
        for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
            String name = t.getKey().getName();
            if (name.startsWith("partition-test") || name.startsWith("kafka-producer")) {
                out.append("thread ").append(name).append(" ").append(t.getKey().getState()).append('\n');
                for (StackTraceElement frame : t.getValue()) {
                    out.append("    at ").append(frame).append('\n');
                }
            }
        }
        return out.toString();
    }

    // ---- the main producer: acks=all, all three brokers as bootstrap, writing until stopped

    /** An acknowledged record: where it landed, when, and whom the producer's metadata named leader at send time. */
    private record Ack(long seq, long offset, String value, long ackNanos, int leaderAtSend) {}

    private final class MainProducer implements Runnable, AutoCloseable {
        final KafkaProducer<String, String> producer;
        final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final Semaphore window = new Semaphore(200);
        final CompletableFuture<Void> stopped = new CompletableFuture<>();
        volatile boolean stop;

        MainProducer(NetworkNamespaces net) {
            Map<String, Object> p = new HashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(net));
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
            p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
            p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 1_000);
            producer = new KafkaProducer<>(p);
        }

        @Override
        public void run() {
            try {
                for (long seq = 0; !stop; seq++) {
                    window.acquire();
                    String value = "r-" + seq;
                    int leader = producer.partitionsFor(TOPIC).stream().filter(pi -> pi.partition() == 0)
                            .map(PartitionInfo::leader).map(n -> n == null ? -1 : n.id()).findFirst().orElse(-1);
                    long s = seq;
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, value), (md, e) -> {
                        window.release();
                        if (e == null) {
                            acks.add(new Ack(s, md.offset(), value, System.nanoTime(), leader));
                        } else {
                            failures.add(value + ": " + e);
                        }
                    });
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(4));   // pace, ~250 records/s
                }
                stopped.complete(null);
            } catch (Throwable t) {
                stopped.completeExceptionally(t);
            }
        }

        long acksAfter(long nanos) {
            return acks.stream().filter(a -> a.ackNanos() > nanos).count();
        }

        /** Stops the sending loop and waits until every record sent has its answer. */
        void stop() throws Exception {
            stop = true;
            stopped.get(70, TimeUnit.SECONDS);
            producer.flush();
        }

        RecordMetadata sendLast() throws Exception {
            RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, 0, null, "last")).get(30, TimeUnit.SECONDS);
            acks.add(new Ack(Long.MAX_VALUE, md.offset(), "last", System.nanoTime(), -1));
            return md;
        }

        @Override
        public void close() {
            stop = true;
            producer.close(Duration.ofSeconds(5));
        }
    }

    // ---- the probe: raw acks=all Produce requests to the old leader only, never redirected elsewhere

    private record ProbeResult(long sentNanos, long doneNanos, String value, Errors error, long baseOffset,
                               String exception) {
        String outcome() {
            return exception != null ? "no answer (" + exception + ")" : error.name();
        }
    }

    private static final class Probe implements Runnable, AutoCloseable {
        final String host;
        final ConcurrentLinkedQueue<ProbeResult> results = new ConcurrentLinkedQueue<>();
        final AtomicLong next = new AtomicLong();
        volatile boolean stop;
        final CompletableFuture<Void> stopped = new CompletableFuture<>();

        Probe(String host) {
            this.host = host;
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    try (RawKafkaClient client = new RawKafkaClient(host, KAFKA_PORT)) {
                        while (!stop) {
                            probeOnce(client);
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));   // pace
                        }
                    } catch (IOException e) {
                        // recorded by probeOnce; reconnect
                    }
                }
            } finally {
                stopped.complete(null);
            }
        }

        private void probeOnce(RawKafkaClient client) throws IOException {
            String value = "probe-" + next.getAndIncrement();
            MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)));
            ProduceRequestData request = RawKafkaClient.produceRequest(TOPIC, 0, records).setTimeoutMs(2_000);
            long sent = System.nanoTime();
            try {
                ProduceResponseData response = client.request(ApiKeys.PRODUCE, (short) 12, request);
                ProduceResponseData.PartitionProduceResponse p =
                        response.responses().iterator().next().partitionResponses().get(0);
                results.add(new ProbeResult(sent, System.nanoTime(), value, Errors.forCode(p.errorCode()),
                        p.baseOffset(), null));
            } catch (IOException e) {
                results.add(new ProbeResult(sent, System.nanoTime(), value, Errors.UNKNOWN_SERVER_ERROR, -1,
                        e.getClass().getSimpleName()));
                throw e;
            }
        }

        long successes() {
            return results.stream().filter(r -> r.error() == Errors.NONE).count();
        }

        void stop() throws Exception {
            stop = true;
            stopped.get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            stop = true;
        }
    }

    // ---- verification

    private void verifyAcknowledged(Map<Long, String> log, MainProducer producer, Probe probe, long isolated) {
        List<String> missing = new ArrayList<>();
        for (Ack a : producer.acks) {
            if (!a.value().equals(log.get(a.offset()))) {
                missing.add(a + (a.ackNanos() > isolated ? " (acked after the cut)" : "") + " but offset "
                        + a.offset() + " holds " + log.get(a.offset()));
            }
        }
        for (ProbeResult r : probe.results) {
            if (r.error() == Errors.NONE && !r.value().equals(log.get(r.baseOffset()))) {
                missing.add(r + " but offset " + r.baseOffset() + " holds " + log.get(r.baseOffset()));
            }
        }
        if (!missing.isEmpty()) {
            fail(missing.size() + " acknowledged records are not at their offsets, e.g. "
                    + missing.subList(0, Math.min(10, missing.size())));
        }
        // Nothing in the log that nobody sent, no record twice, and the producer's order kept.
        Set<String> sentValues = new HashSet<>();
        producer.acks.forEach(a -> sentValues.add(a.value()));
        Map<String, Long> seen = new HashMap<>();
        for (Map.Entry<Long, String> e : log.entrySet()) {
            String v = e.getValue();
            assertTrue(v.startsWith("r-") || v.startsWith("probe-") || v.equals("last"), "unknown record " + e);
            Long before = seen.put(v, e.getKey());
            assertEquals(null, before, v + " is in the log twice: offsets " + before + " and " + e.getKey());
        }
        List<Ack> bySeq = producer.acks.stream().sorted((a, b) -> Long.compare(a.seq(), b.seq())).toList();
        for (int i = 1; i < bySeq.size(); i++) {
            assertTrue(bySeq.get(i - 1).offset() < bySeq.get(i).offset(),
                    "acknowledged in send order: " + bySeq.get(i - 1) + " before " + bySeq.get(i));
        }
        long afterCut = producer.acks.stream().filter(a -> a.ackNanos() > isolated).count();
        assertTrue(afterCut > 0, "records were acknowledged after the cut");
        event("verified " + producer.acks.size() + " producer acks (" + afterCut + " after the cut) and "
                + probe.successes() + " probe acks at their offsets");
    }

    private static Map<Long, String> consumeAll(NetworkNamespaces net, long endOffset) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(net));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<Long, String> out = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            await("consumed up to offset " + endOffset).atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    String before = out.put(r.offset(), r.value());
                    assertTrue(before == null, "offset " + r.offset() + " delivered twice");
                }
                return consumer.position(TP) >= endOffset;
            });
        }
        return out;
    }

    /** The records of broker {@code b}'s replica, read from its partition directory (the broker is stopped). */
    private Map<Long, String> readReplica(int b) throws IOException {
        Path partitionDir = dir.resolve("broker-" + b).resolve(TOPIC + "-0");
        assertTrue(Files.isDirectory(partitionDir), partitionDir + " exists");
        Map<Long, String> out = new TreeMap<>();
        try (PartitionLog log = PartitionLog.open(partitionDir, LogConfig.defaults(), Clock.systemUTC())) {
            long next = log.logStartOffset();
            long end = log.logEndOffset();
            while (next < end) {
                LogReadInfo read = log.read(next, 1 << 20, end, true);
                ByteBuffer buf = ByteBuffer.allocate(read.records().size());
                read.records().channel().read(buf, read.records().position());
                buf.flip();
                long before = next;
                for (RecordBatch batch : MemoryRecords.readableRecords(buf).batches()) {
                    for (Record r : batch) {
                        byte[] value = new byte[r.valueSize()];
                        r.value().get(value);
                        out.put(r.offset(), new String(value, StandardCharsets.UTF_8));
                    }
                    next = batch.lastOffset() + 1;
                }
                assertNotEquals(before, next, "reading broker " + b + "'s log advances at offset " + before);
            }
            assertEquals(end, next, "broker " + b + " read to its log end offset");
        }
        return out;
    }

    // ---- reporting

    private void event(String what) {
        String line = String.format("+%6.1fs %s", (System.nanoTime() - t0) / 1e9, what);
        System.out.println("NetworkPartitionTest " + line);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
