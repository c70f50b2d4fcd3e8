package dev.weir.streams.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.streams.KeyValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Tag("fast")
class BytesStoreTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private BytesStore store(StoreType type, String name) {
        BytesStore s;
        if (type == StoreType.IN_MEMORY) {
            s = new InMemoryBytesStore(name);
        } else {
            RocksDbMemory m = new RocksDbMemory(8 << 20);
            open.add(m);
            s = new RocksDbBytesStore(name, dir.resolve(name), m);
        }
        open.add(s);
        return s;
    }

    private static List<byte[]> keys(KeyValueIterator<byte[], byte[]> it) {
        List<byte[]> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.key()));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(StoreType.class)
    void rangesFollowUnsignedSerializedKeyOrder(StoreType type) {
        BytesStore s = store(type, "ordered");
        // Compare against a reference: a TreeMap with the unsigned comparator, over random keys that
        // include bytes >= 0x80 (where signed and unsigned order differ).
        TreeMap<byte[], byte[]> expected = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(11);
        for (int i = 0; i < 2000; i++) {
            byte[] k = new byte[1 + rnd.nextInt(4)];
            rnd.nextBytes(k);
            byte[] v = {(byte) i};
            s.put(k, v);
            expected.put(k, v);
        }
        List<byte[]> all = keys(s.range(null, null));
        assertEquals(expected.size(), all.size());
        int i = 0;
        for (byte[] k : expected.keySet()) {
            assertArrayEquals(k, all.get(i++));
        }
        byte[] from = {(byte) 0x40};
        byte[] to = {(byte) 0xC0, 0};
        List<byte[]> sub = keys(s.range(from, to));
        List<byte[]> expectedSub = new ArrayList<>(expected.subMap(from, true, to, true).keySet());
        assertEquals(expectedSub.size(), sub.size());
        for (int j = 0; j < sub.size(); j++) {
            assertArrayEquals(expectedSub.get(j), sub.get(j));
        }
        assertTrue(keys(s.range(to, from)).isEmpty(), "from > to is empty");
    }

    @ParameterizedTest
    @EnumSource(StoreType.class)
    void putNullDeletesAndBoundsAreInclusive(StoreType type) {
        BytesStore s = store(type, "crud");
        s.put(new byte[] {1}, new byte[] {10});
        s.put(new byte[] {2}, new byte[] {20});
        s.put(new byte[] {3}, new byte[] {30});
        assertArrayEquals(new byte[] {20}, s.get(new byte[] {2}));
        s.put(new byte[] {2}, null);
        assertNull(s.get(new byte[] {2}));
        List<KeyValue<byte[], byte[]>> kvs = new ArrayList<>();
        try (KeyValueIterator<byte[], byte[]> it = s.range(new byte[] {1}, new byte[] {3})) {
            it.forEachRemaining(kvs::add);
        }
        assertEquals(2, kvs.size());
        assertArrayEquals(new byte[] {30}, kvs.get(1).value());
    }

    @Test
    void rocksDbKeepsItsDataAcrossReopen() {
        try (RocksDbMemory m = new RocksDbMemory(8 << 20)) {
            RocksDbBytesStore s = new RocksDbBytesStore("p", dir.resolve("p"), m);
            for (int i = 0; i < 1000; i++) {
                s.put(("k" + i).getBytes(), ("v" + i).getBytes());
            }
            s.close();
            RocksDbBytesStore again = new RocksDbBytesStore("p", dir.resolve("p"), m);
            assertArrayEquals("v999".getBytes(), again.get("k999".getBytes()));
            assertEquals(1000, keys(again.range(null, null)).size());
            again.close();
        }
    }

    @Test
    void manyRocksDbStoresShareOneMemoryBudget() {
        long budget = 16L << 20;
        try (RocksDbMemory m = new RocksDbMemory(budget)) {
            List<RocksDbBytesStore> stores = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                stores.add(new RocksDbBytesStore("s" + i, dir.resolve("s" + i), m));
            }
            byte[] value = new byte[1024];
            for (RocksDbBytesStore s : stores) {
                for (int i = 0; i < 4000; i++) {
                    s.put(("key-" + i).getBytes(), value);
                }
            }
            // 12 stores x 4 MB written: memtables are charged to the shared cache, which stays within budget
            // (plus RocksDB's small per-shard slack), unlike a per-store cache and buffers.
            assertTrue(m.usage() <= budget * 11 / 10, "cache usage " + m.usage() + " > budget " + budget);
            stores.forEach(RocksDbBytesStore::close);
        }
        assertThrows(IllegalArgumentException.class, () -> new RocksDbMemory(1000));
    }
}
