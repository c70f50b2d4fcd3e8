package dev.weir.streams.state;

import dev.weir.streams.KeyValue;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link BytesStore} on a sorted map; nothing survives the process, the changelog restores it. */
public final class InMemoryBytesStore implements BytesStore {
    private final String name;
    // A skip list rather than a TreeMap: its iterators are weakly consistent, so a caller may write to the
    // store while iterating (as RocksDB iterators allow) without copying the range first.
    private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    public InMemoryBytesStore(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    @Override
    public KeyValueIterator<byte[], byte[]> range(byte[] from, byte[] to) {
        NavigableMap<byte[], byte[]> view = map;
        if (from != null && to != null) {
            view = Arrays.compareUnsigned(from, to) > 0 ? new ConcurrentSkipListMap<byte[], byte[]>(Arrays::compareUnsigned) : map.subMap(from, true, to, true);
        } else if (from != null) {
            view = map.tailMap(from, true);
        } else if (to != null) {
            view = map.headMap(to, true);
        }
        Iterator<Map.Entry<byte[], byte[]>> it = view.entrySet().iterator();
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<byte[], byte[]> next() {
                Map.Entry<byte[], byte[]> e = it.next();
                return new KeyValue<>(e.getKey(), e.getValue());
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        map.clear();
    }
}
