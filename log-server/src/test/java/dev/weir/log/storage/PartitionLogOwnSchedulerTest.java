package dev.weir.log.storage;

import dev.weir.log.testing.MutableClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A log opened without a scheduler (tests, tools) runs its background work on a thread of its own that stops with
 * the log: no executor is shared by the logs, or the brokers, of a JVM.
 */
@Tag("fast")
class PartitionLogOwnSchedulerTest {

    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(LogFixture.T0);

    @Test
    void eachLogRunsBackgroundWorkOnItsOwnThreadWhichStopsWhenTheLogCloses() {
        PartitionLog a = PartitionLog.open(dir.resolve("own-a-0"), LogFixture.smallConfig(), clock);
        PartitionLog b = PartitionLog.open(dir.resolve("own-b-0"), LogFixture.smallConfig(), clock);
        try {
            for (PartitionLog log : new PartitionLog[] {a, b}) {
                // Past segment.bytes, so the log rolls and flushes the previous segment in the background.
                while (log.segmentCount() < 2) {
                    log.appendAsLeader(TestBatches.batch(10, LogFixture.T0), 0);
                }
                long rolledAt = log.segments().get(1).baseOffset();
                await().until(() -> log.recoveryPoint() == rolledAt);
            }
            assertTrue(threadAlive("weir-storage-own-a-0") && threadAlive("weir-storage-own-b-0"));

            a.close();
            await().until(() -> !threadAlive("weir-storage-own-a-0"));
            assertTrue(threadAlive("weir-storage-own-b-0"), "closing one log stops only its own thread");
        } finally {
            a.close();
            b.close();
        }
        await().until(() -> !threadAlive("weir-storage-own-b-0"));
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
