package dev.weir.log.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.storage.LeaderEpochCache.EpochEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class LeaderEpochCacheTest {

    @TempDir
    Path dir;

    Path file() {
        return dir.resolve("leader-epoch-checkpoint");
    }

    LeaderEpochCache cache(int... epochAndStart) throws IOException {
        LeaderEpochCache cache = LeaderEpochCache.empty(file());
        for (int i = 0; i < epochAndStart.length; i += 2) {
            cache.assign(epochAndStart[i], epochAndStart[i + 1]);
        }
        return cache;
    }

    static List<EpochEntry> entries(int... epochAndStart) {
        List<EpochEntry> out = new java.util.ArrayList<>();
        for (int i = 0; i < epochAndStart.length; i += 2) {
            out.add(new EpochEntry(epochAndStart[i], epochAndStart[i + 1]));
        }
        return out;
    }

    String fileText() throws IOException {
        return Files.readString(file(), StandardCharsets.US_ASCII);
    }

    @Test
    void assignKeepsOnlyNewerEpochsAndWritesKafkasFormat() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 0, 5, 3, 10, 3, 12, 2, 20);

        assertEquals(entries(0, 0, 3, 10), cache.entries());
        assertEquals(OptionalInt.of(3), cache.latestEpoch());
        assertEquals("0\n2\n0 0\n3 10\n", fileText());
    }

    @Test
    void newerEpochStartingBeforeTheLatestEntriesReplacesThem() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 2, 10, 3, 20);

        cache.assign(4, 10);

        assertEquals(entries(0, 0, 4, 10), cache.entries());
        assertEquals(entries(0, 0, 4, 10), LeaderEpochCache.load(file()).orElseThrow().entries());
    }

    @Test
    void negativeEpochOrOffsetIsRejected() {
        LeaderEpochCache cache = LeaderEpochCache.empty(file());
        assertThrows(IllegalArgumentException.class, () -> cache.assign(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> cache.assign(0, -1));
    }

    @Test
    void endOffsetForFollowsKafka() throws IOException {
        LeaderEpochCache cache = cache(1, 5, 3, 10, 6, 30);
        long logEnd = 42;

        assertEquals(new EpochEndOffset(6, 42), cache.endOffsetFor(6, logEnd), "latest epoch: the log end");
        assertEquals(new EpochEndOffset(3, 30), cache.endOffsetFor(3, logEnd));
        assertEquals(new EpochEndOffset(3, 30), cache.endOffsetFor(5, logEnd), "unknown epoch: the one below it");
        assertEquals(new EpochEndOffset(1, 10), cache.endOffsetFor(2, logEnd));
        assertEquals(new EpochEndOffset(1, 10), cache.endOffsetFor(1, logEnd));
        assertEquals(new EpochEndOffset(0, 5), cache.endOffsetFor(0, logEnd),
                "below the earliest epoch: the start of the history, as Kafka answers");
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(7, logEnd), "newer than any epoch");
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(-1, logEnd));
        assertEquals(EpochEndOffset.UNDEFINED, LeaderEpochCache.empty(file()).endOffsetFor(0, logEnd));
        assertTrue(EpochEndOffset.UNDEFINED.isUndefined());
    }

    @Test
    void truncateFromEndRemovesEpochsStartingAtOrAfterTheOffset() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 2, 10, 3, 20);

        cache.truncateFromEnd(25);
        assertEquals(entries(0, 0, 2, 10, 3, 20), cache.entries());
        cache.truncateFromEnd(20);
        assertEquals(entries(0, 0, 2, 10), cache.entries());
        cache.truncateFromEnd(0);
        assertEquals(List.of(), cache.entries());
        assertEquals("0\n0\n", fileText());
        assertEquals(OptionalInt.empty(), cache.latestEpoch());
    }

    @Test
    void truncateFromStartMovesTheCoveringEpochUp() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 2, 10, 3, 20);

        cache.truncateFromStart(0);
        assertEquals(entries(0, 0, 2, 10, 3, 20), cache.entries());
        cache.truncateFromStart(5);
        assertEquals(entries(0, 5, 2, 10, 3, 20), cache.entries());
        cache.truncateFromStart(15);
        assertEquals(entries(2, 15, 3, 20), cache.entries());
        cache.truncateFromStart(20);
        assertEquals(entries(3, 20), cache.entries());
        cache.truncateFromStart(100);
        assertEquals(entries(3, 100), cache.entries());
        assertEquals("0\n1\n3 100\n", fileText());
    }

    @Test
    void clearEmptiesTheHistoryOnDisk() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 2, 10);

        cache.clear();

        assertEquals(List.of(), cache.entries());
        assertEquals(List.of(), LeaderEpochCache.load(file()).orElseThrow().entries());
    }

    @Test
    void loadReadsWhatWasWrittenAndRejectsGarbage() throws IOException {
        cache(0, 0, 4, 100).assign(9, 12_345_678_901_234L);
        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(4, 100), new EpochEntry(9, 12_345_678_901_234L)),
                LeaderEpochCache.load(file()).orElseThrow().entries());

        assertFalse(LeaderEpochCache.load(dir.resolve("missing")).isPresent());
        for (String garbage : List.of("", "1\n0\n", "0\n2\n0 0\n", "0\n1\n0 0\n3 5\n", "0\n2\n3 5\n2 9\n",
                "0\n2\n0 0\n1 0\n", "0\nx\n", "0\n1\n0\n", "0\n1\n-1 0\n", "\u00ff\u00fe\n")) {
            Files.writeString(file(), garbage, StandardCharsets.ISO_8859_1);
            assertFalse(LeaderEpochCache.load(file()).isPresent(), "accepted " + garbage.replace("\n", "\\n"));
        }
        Files.writeString(file(), "0\n2\n0 0\n 3  17 \n\n", StandardCharsets.US_ASCII);
        assertEquals(entries(0, 0, 3, 17), LeaderEpochCache.load(file()).orElseThrow().entries());
    }

    @Test
    void rebuildAppliesAssignmentsInOrderAndWritesOnce() throws IOException {
        LeaderEpochCache cache = LeaderEpochCache.rebuild(file(), entries(0, 0, 0, 7, 2, 9, 1, 12, 5, 20));

        assertEquals(entries(0, 0, 2, 9, 5, 20), cache.entries());
        assertEquals("0\n3\n0 0\n2 9\n5 20\n", fileText());
    }

    @Test
    void changesLeaveNoTemporaryFileBehind() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 1, 5);
        cache.truncateFromEnd(5);
        cache.truncateFromStart(3);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file()), files.toList());
        }
    }
}
