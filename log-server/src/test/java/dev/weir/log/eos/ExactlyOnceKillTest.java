package dev.weir.log.eos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weir.log.testing.ClientJvm;
import dev.weir.log.testing.ReadToEnd;
import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once end to end at process level: {@link TransformApp}, a consume-transform-produce application
 * with a transactional producer, a read_committed consumer and {@code sendOffsetsToTransaction}, runs in a
 * child JVM against one in-process Weir broker and is killed with SIGKILL at random moments (mostly while
 * it processes, every fourth time while it starts) and restarted, again and again, until it has processed all 100,000 input records. The output topic, read
 * with read_committed, must then hold the transformed record of every input record exactly once.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("process")
class ExactlyOnceKillTest {
    private static final int RECORDS = 100_000;
    private static final String INPUT = "eos-input";
    private static final String OUTPUT = "eos-output";
    private static final int PARTITIONS = 4;
    /** After this long of kills, the application runs to the end undisturbed (keeps the test under 3 min). */
    private static final long KILLING_MS = 80_000;
    private static final long FINISH_MS = 40_000;
    private static final Pattern COMMITTED = Pattern.compile("COMMITTED (\\d+)");

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir.resolve("broker"), Map.of(
                "offsets.topic.num.partitions", "3",
                "transaction.state.log.num.partitions", "3",
                "group.initial.rebalance.delay.ms", "0"));
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1), new NewTopic(OUTPUT, PARTITIONS, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(INPUT, Integer.toString(i), "value-" + i));
            }
            producer.flush();
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** The records the current incarnation has committed so far, from its last "COMMITTED n" line. */
    private static long committedSoFar(String stdout) {
        Matcher m = COMMITTED.matcher(stdout);
        long n = -1;
        while (m.find()) {
            n = Long.parseLong(m.group(1));
        }
        return n;
    }

    @Test
    void killedAgainAndAgainTheApplicationWritesEveryOutputRecordExactlyOnce() throws Exception {
        Random random = new Random();
        int kills = 0;
        int killedAfterCommitting = 0;
        try (ClientJvm app = new ClientJvm("eos-transform", ClientJvm.testClasspath(),
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), TransformApp.class,
                List.of(broker.bootstrap(), INPUT, OUTPUT, "eos-group", "eos-transform"))) {
            long killUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILLING_MS);
            boolean done = false;
            while (!done) {
                app.start();
                boolean killing = System.nanoTime() < killUntil;
                long runMs;
                if (!killing) {
                    runMs = FINISH_MS;
                } else if (app.starts() % 4 == 0) {
                    // Now and then at any moment of start-up: in initTransactions (which aborts the transaction
                    // the previous incarnation left open), joining the group, fetching committed offsets.
                    runMs = random.nextInt(2_500);
                } else {
                    // Mostly while it processes. How fast it processes depends on the machine's load, so the
                    // moment is drawn in its progress: once this incarnation has committed a random number of
                    // records (up to 12,000 of the 100,000), and a random few milliseconds later. Transactions
                    // of up to 200 records take milliseconds, so the kill falls anywhere in one.
                    int threshold = random.nextInt(12_000);
                    await("start " + app.starts() + " commits " + threshold + " records or exits; see " + app.outputFiles())
                            .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                            .until(() -> !app.isAlive() || committedSoFar(app.stdout()) >= threshold);
                    runMs = random.nextInt(50);
                }
                // Wait for the application to finish by itself, at most until the moment it is killed.
                if (app.waitFor(runMs)) {
                    String out = app.stdout();
                    assertTrue(app.exitValue() == 0 && out.contains("DONE"),
                            "start " + app.starts() + " of the application exited by itself without finishing (exit "
                                    + app.exitValue() + "); see " + app.outputFiles());
                    done = true;
                } else if (killing) {
                    app.kill();
                    kills++;
                    if (app.stdout().contains("COMMITTED")) {
                        killedAfterCommitting++;
                    }
                } else {
                    fail("the application did not finish within " + FINISH_MS + " ms of its last start; see "
                            + app.outputFiles());
                }
            }
            System.out.printf("%d starts, %d kills, %d of them after the incarnation had committed a transaction%n",
                    app.starts(), kills, killedAfterCommitting);
        }
        assertTrue(kills >= 10, "the application was killed again and again (" + kills + " kills)");
        assertTrue(killedAfterCommitting >= 5,
                "kills hit incarnations in the middle of processing (" + killedAfterCommitting + " of " + kills + ")");

        List<TopicPartition> outputPartitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(OUTPUT, p)).toList();
        Map<String, Integer> seen = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        try (KafkaConsumer<String, String> reader = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000))) {
            reader.assign(outputPartitions);
            reader.seekToBeginning(outputPartitions);
            for (ConsumerRecord<String, String> r : ReadToEnd.readToEnd(reader, outputPartitions)) {
                seen.merge(r.key(), 1, Integer::sum);
                if (!r.value().equals(TransformApp.transform(r.key(), "value-" + r.key()))) {
                    wrong.add(r.key() + "=" + r.value());
                }
            }
        }
        List<String> duplicated = seen.entrySet().stream().filter(e -> e.getValue() > 1)
                .map(e -> e.getKey() + " x" + e.getValue()).sorted().toList();
        List<Integer> missing = IntStream.range(0, RECORDS).filter(i -> !seen.containsKey(Integer.toString(i)))
                .boxed().toList();
        assertEquals(List.of(), wrong.stream().limit(20).toList(), "output records with a wrong value");
        assertEquals(List.of(), duplicated.stream().limit(20).toList(),
                duplicated.size() + " input records have more than one committed output record");
        assertEquals(List.of(), missing.stream().limit(20).toList(),
                missing.size() + " input records have no committed output record");
        assertEquals(RECORDS, seen.size(), "committed output records, one per input key 0.." + (RECORDS - 1));

        try (Admin admin = broker.admin()) {
            // The kills left transactions open that the next incarnation aborted: their records are in the log,
            // above the committed ones, and read_committed skipped them.
            long logRecords = admin.listOffsets(outputPartitions.stream()
                            .collect(java.util.stream.Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get(30, TimeUnit.SECONDS).values().stream().mapToLong(i -> i.offset()).sum();
            System.out.printf("output log: %d offsets for %d committed records%n", logRecords, RECORDS);
            assertTrue(logRecords > RECORDS + 0L, "aborted output records are in the log ("
                    + logRecords + " offsets for " + RECORDS + " committed records and their markers)");
            Map<TopicPartition, OffsetAndMetadata> groupOffsets = admin.listConsumerGroupOffsets("eos-group")
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> inputEnd = new HashMap<>();
            long inputTotal = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(INPUT, p);
                long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp).offset();
                inputEnd.put(tp, end);
                inputTotal += end;
                assertEquals(end, groupOffsets.get(tp).offset(), "the group's committed offset of " + tp + " is its end");
            }
            assertEquals(RECORDS, inputTotal, "input records " + inputEnd);
        }
    }
}
