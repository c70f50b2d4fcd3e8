package dev.weir.log.storage;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class IndexTest {

    @TempDir
    Path dir;

    @Test
    void offsetIndexLookupReturnsTheLastEntryAtOrBelowTheTarget() throws IOException {
        OffsetIndex index = new OffsetIndex(dir.resolve("a.index"), 100, 1024);
        for (int i = 1; i <= 50; i++) {
            index.append(100 + i * 10L, i * 1000);
        }
        assertEquals(new OffsetPosition(100, 0), index.lookup(105));
        assertEquals(new OffsetPosition(110, 1000), index.lookup(110));
        assertEquals(new OffsetPosition(250, 15000), index.lookup(259));
        assertEquals(new OffsetPosition(600, 50000), index.lookup(10_000));
    }

    @Test
    void offsetIndexIsPreallocatedThenTrimmedAndReopensWithItsEntries() throws IOException {
        Path file = dir.resolve("b.index");
        OffsetIndex index = new OffsetIndex(file, 0, 1000);
        assertEquals(1000, Files.size(file));
        assertEquals(125, index.maxEntries());
        index.append(3, 10);
        index.append(9, 20);
        index.trimToValidSize();
        assertEquals(16, Files.size(file));

        OffsetIndex reopened = new OffsetIndex(file, 0, 1000);
        assertEquals(2, reopened.entries());
        assertTrue(reopened.isSane());
        assertEquals(new OffsetPosition(9, 20), reopened.lastEntry());
    }

    @Test
    void offsetIndexTruncationAndCapacity() throws IOException {
        OffsetIndex index = new OffsetIndex(dir.resolve("c.index"), 0, 32);
        index.append(1, 1);
        index.append(2, 2);
        index.append(3, 3);
        index.append(4, 4);
        assertTrue(index.isFull());
        assertThrows(IllegalStateException.class, () -> index.append(5, 5));
        assertThrows(IllegalArgumentException.class, () -> new OffsetIndex(dir.resolve("d.index"), 0, 32).append(-1, 0));

        index.truncateTo(3);
        assertEquals(2, index.entries());
        assertEquals(new OffsetPosition(2, 2), index.lastEntry());
        assertThrows(IllegalArgumentException.class, () -> index.append(2, 9));
    }

    @Test
    void preallocatedIndexLeftByACrashIsNotSane() throws IOException {
        Path file = dir.resolve("e.index");
        OffsetIndex index = new OffsetIndex(file, 0, 800);
        index.append(5, 100);
        index.flush();
        // Reopened without trimming: the unused zero slots count as entries.
        assertFalse(new OffsetIndex(file, 0, 800).isSane());
        Files.write(dir.resolve("f.timeindex"), new byte[120]);
        assertFalse(new TimeIndex(dir.resolve("f.timeindex"), 0, 120).isSane());
    }

    @Test
    void timeIndexKeepsOnlyIncreasingTimestampsAndFindsTheEntryBelowTheTarget() throws IOException {
        TimeIndex index = new TimeIndex(dir.resolve("a.timeindex"), 1000, 1200);
        index.maybeAppend(500, 1010);
        index.maybeAppend(400, 1020); // not larger: skipped
        index.maybeAppend(500, 1030); // not larger: skipped
        index.maybeAppend(700, 1040);
        index.maybeAppend(900, 1050);
        assertEquals(3, index.entries());

        assertEquals(new TimestampOffset(-1, 1000), index.lookup(499));
        assertEquals(new TimestampOffset(500, 1010), index.lookup(699));
        assertEquals(new TimestampOffset(700, 1040), index.lookup(700));
        assertEquals(new TimestampOffset(900, 1050), index.lookup(Long.MAX_VALUE));

        index.truncateTo(1040);
        assertEquals(new TimestampOffset(500, 1010), index.lastEntry());
    }
}
