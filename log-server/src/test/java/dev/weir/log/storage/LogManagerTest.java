package dev.weir.log.storage;

import dev.weir.log.testing.MutableClock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class LogManagerTest {

    static final long T0 = 1_700_000_000_000L;
    static final long HOUR = 3_600_000L;

    @TempDir
    Path root;
    Path dirA;
    Path dirB;
    MutableClock clock = new MutableClock(T0);
    ScheduledExecutorService scheduler;
    LogManager manager;

    @BeforeEach
    void setUp() {
        dirA = root.resolve("a");
        dirB = root.resolve("b");
        scheduler = Executors.newScheduledThreadPool(1, r -> new Thread(r, "test-log-manager"));
    }

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.close();
        }
        scheduler.shutdownNow();
    }

    LogManager open(long retentionCheckMs) {
        manager = LogManager.open(List.of(dirA, dirB), clock, scheduler, retentionCheckMs, HOUR,
                topic -> LogFixture.smallConfig());
        return manager;
    }

    static int childDirs(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return (int) children.filter(Files::isDirectory).count();
        }
    }

    @Test
    void newPartitionsGoToTheLeastLoadedDirAndAreFoundAfterReopen() throws IOException {
        open(HOUR);
        for (int p = 0; p < 4; p++) {
            PartitionLog l = manager.getOrCreate(new TopicPartition("orders", p), LogFixture.smallConfig());
            l.appendAsLeader(TestBatches.batch(p + 1, T0), 0);
        }
        assertEquals(2, childDirs(dirA));
        assertEquals(2, childDirs(dirB));
        manager.close();

        open(HOUR);
        assertEquals(4, manager.all().size());
        for (int p = 0; p < 4; p++) {
            assertEquals(p + 1, manager.get(new TopicPartition("orders", p)).orElseThrow().logEndOffset());
        }
    }

    @Test
    void getOrCreateReturnsTheSameLogAndAppliesANewConfig() {
        open(HOUR);
        TopicPartition tp = new TopicPartition("a-topic.with_dashes", 3);
        PartitionLog first = manager.getOrCreate(tp, LogFixture.smallConfig());
        LogConfig changed = LogFixture.smallConfig().withRetentionMs(5);
        assertTrue(first == manager.getOrCreate(tp, changed));
        assertEquals(changed, first.config());
        assertEquals("a-topic.with_dashes-3", first.dir().getFileName().toString());
    }

    @Test
    void deleteRenamesThePartitionDirAndRemovesItAfterTheDelay() {
        open(HOUR);
        TopicPartition tp = new TopicPartition("gone", 0);
        PartitionLog l = manager.getOrCreate(tp, LogFixture.smallConfig());
        l.appendAsLeader(TestBatches.batch(3, T0), 0);
        Path original = l.dir();

        manager.delete(tp);
        assertTrue(manager.get(tp).isEmpty());
        assertFalse(Files.exists(original));
        assertTrue(l.dir().getFileName().toString().endsWith("-delete"));
        await().until(() -> !Files.exists(l.dir()));
        assertThrows(KafkaStorageException.class, () -> l.appendAsLeader(TestBatches.batch(1, T0), 0));
    }

    @Test
    void foreignEntriesAreIgnoredAndUnfinishedDeletionsCompleted() throws IOException {
        Files.createDirectories(dirA.resolve("t-1.0123456789abcdef-delete"));
        Files.write(dirA.resolve("t-1.0123456789abcdef-delete").resolve("00000000000000000000.log"), new byte[5]);
        Files.createDirectories(dirA.resolve("lost+found"));
        Files.writeString(dirA.resolve("meta.properties"), "broker.id=1\n");
        Files.createDirectories(dirB.resolve("t-0"));

        open(HOUR);
        assertEquals(Set.of(new TopicPartition("t", 0)), manager.all().keySet());
        await().until(() -> !Files.exists(dirA.resolve("t-1.0123456789abcdef-delete")));
        assertTrue(Files.exists(dirA.resolve("meta.properties")));
        assertTrue(Files.exists(dirA.resolve("lost+found")));
    }

    @Test
    void retentionRunsPeriodically() {
        open(20);
        TopicPartition tp = new TopicPartition("retained", 0);
        PartitionLog l = manager.getOrCreate(tp, LogFixture.smallConfig().withRetentionMs(HOUR));
        for (int i = 0; i < 20; i++) {
            l.appendAsLeader(TestBatches.batch(5, T0), 0);
        }
        assertTrue(l.segmentCount() > 1);
        clock.advance(2 * HOUR);
        await().until(() -> l.segmentCount() == 1);
        assertEquals(l.segments().get(0).baseOffset(), l.logStartOffset());
    }

    @Test
    void aLogDirCannotBeOpenedTwice() {
        open(HOUR);
        assertThrows(KafkaStorageException.class, () -> LogManager.open(List.of(dirA), clock, scheduler, HOUR, HOUR));
    }

    @Test
    void partitionDirNamesAreParsedStrictly() {
        assertEquals(new TopicPartition("my-topic", 12), LogFileNames.parsePartitionDir("my-topic-12").orElseThrow());
        assertTrue(LogFileNames.parsePartitionDir("no_partition").isEmpty());
        assertTrue(LogFileNames.parsePartitionDir("-3").isEmpty());
        assertTrue(LogFileNames.parsePartitionDir("t-0.abc-delete").isEmpty());
    }
}
