package dev.weir.log.storage;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class TransactionIndexTest {

    @TempDir
    Path dir;

    @Test
    void entriesAreWrittenInKafkasFormatAndReloaded() throws IOException {
        Path file = dir.resolve("00000000000000000000.txnindex");
        TransactionIndex index = new TransactionIndex(file, 0);
        assertFalse(Files.exists(file), "created on the first entry");
        index.append(new AbortedTxn(7, 2, 5, 6));
        index.append(new AbortedTxn(8, 3, 9, 10));
        index.close();

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        assertEquals(2 * 34, bytes.remaining());
        assertEquals(0, bytes.getShort());
        assertEquals(7, bytes.getLong());
        assertEquals(2, bytes.getLong());
        assertEquals(5, bytes.getLong());
        assertEquals(6, bytes.getLong());

        TransactionIndex reloaded = new TransactionIndex(file, 0);
        assertEquals(List.of(new AbortedTxn(7, 2, 5, 6), new AbortedTxn(8, 3, 9, 10)), reloaded.entries());
        reloaded.close();
    }

    @Test
    void aTornLastEntryIsCutOnLoad() throws IOException {
        Path file = dir.resolve("00000000000000000000.txnindex");
        TransactionIndex index = new TransactionIndex(file, 0);
        index.append(new AbortedTxn(7, 2, 5, 6));
        index.close();
        Files.write(file, new byte[20], StandardOpenOption.APPEND);

        TransactionIndex reloaded = new TransactionIndex(file, 0);
        assertEquals(List.of(new AbortedTxn(7, 2, 5, 6)), reloaded.entries());
        assertEquals(34, Files.size(file));
        reloaded.close();
    }

    @Test
    void truncationInsertionAndCollection() throws IOException {
        Path file = dir.resolve("00000000000000000000.txnindex");
        TransactionIndex index = new TransactionIndex(file, 0);
        index.append(new AbortedTxn(1, 0, 10, 5));
        index.append(new AbortedTxn(3, 12, 30, 31));
        index.append(new AbortedTxn(2, 5, 20, 12)); // recovery re-adding a lost entry: goes in order
        assertEquals(List.of(10L, 20L, 30L), index.entries().stream().map(AbortedTxn::lastOffset).toList());
        assertTrue(index.containsMarker(20));

        List<AbortedTxn> out = new ArrayList<>();
        assertFalse(index.collect(11, 32, out));
        assertEquals(List.of(20L, 30L), out.stream().map(AbortedTxn::lastOffset).toList());
        out.clear();
        assertTrue(index.collect(0, 12, out), "an entry's LSO reached the bound: later segments cannot matter");
        assertEquals(List.of(10L, 20L), out.stream().map(AbortedTxn::lastOffset).toList());

        index.truncateTo(20);
        assertEquals(List.of(10L), index.entries().stream().map(AbortedTxn::lastOffset).toList());
        assertEquals(34, Files.size(file));
        index.close();
        assertEquals(1, new TransactionIndex(file, 0).entries().size());
    }
}
