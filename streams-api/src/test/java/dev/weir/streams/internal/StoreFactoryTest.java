package dev.weir.streams.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weir.streams.TaskId;
import dev.weir.streams.serde.Serdes;
import dev.weir.streams.state.BytesStore;
import dev.weir.streams.state.StoreType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class StoreFactoryTest {
    @TempDir
    Path dir;

    @Test
    void aTaskMovingBetweenThreadsWaitsForTheFormerOwnerToClose() throws Exception {
        TaskId task = new TaskId(1, 2);
        StoreSpec spec = new StoreSpec("counts", Serdes.string(), Serdes.longs(), StoreType.ROCKS_DB);
        try (StoreFactory f = new StoreFactory(StoreType.ROCKS_DB, dir, 8 << 20)) {
            f.lock(task, Duration.ofSeconds(5));
            BytesStore first = f.open(task, spec);
            first.put(new byte[] {1}, new byte[] {42});
            AtomicReference<String> state = new AtomicReference<>("waiting");
            CompletableFuture<byte[]> other = CompletableFuture.supplyAsync(() -> {
                f.lock(task, Duration.ofSeconds(30));
                state.set("locked");
                try (BytesStore second = f.open(task, spec)) {
                    return second.get(new byte[] {1});
                } finally {
                    f.unlock(task);
                }
            });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> state.get().equals("waiting"));
            first.close();
            f.unlock(task);
            assertArrayEquals(new byte[] {42}, other.get());
            assertEquals("locked", state.get());

            f.lock(task, Duration.ofSeconds(1));
            CompletableFuture<Void> timeout = CompletableFuture.runAsync(() -> f.lock(task, Duration.ofMillis(100)));
            assertThrows(java.util.concurrent.ExecutionException.class, timeout::get);
            f.unlock(task);
        }
    }
}
