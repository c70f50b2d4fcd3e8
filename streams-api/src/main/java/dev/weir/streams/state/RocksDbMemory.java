package dev.weir.streams.state;

import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * The one memory budget of all RocksDB stores of an application instance: a shared LRU block cache
 * of {@code budgetBytes}, and a write-buffer manager that charges memtables to that same cache and
 * caps them at a quarter of it. Memory therefore does not grow with the number of stores or
 * partitions (Kafka Streams' default gives each store its own 50 MiB cache and 3 x 16 MiB buffers).
 * Close it after every store that uses it.
 */
public final class RocksDbMemory implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private final long budgetBytes;
    private final LRUCache cache;
    private final WriteBufferManager writeBufferManager;

    public RocksDbMemory(long budgetBytes) {
        if (budgetBytes < 1 << 20) {
            throw new IllegalArgumentException("the RocksDB memory budget is " + budgetBytes
                    + " bytes: give at least 1 MiB (rocksdb.memory.bytes)");
        }
        this.budgetBytes = budgetBytes;
        // High-priority pool ratio 0.1: index and filter blocks are cached with priority, not evicted first.
        this.cache = new LRUCache(budgetBytes, -1, false, 0.1);
        this.writeBufferManager = new WriteBufferManager(budgetBytes / 4, cache);
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    Cache cache() {
        return cache;
    }

    WriteBufferManager writeBufferManager() {
        return writeBufferManager;
    }

    /** Bytes the shared cache holds now (blocks plus memtables charged to it). */
    public long usage() {
        return cache.getUsage();
    }

    @Override
    public void close() {
        writeBufferManager.close();
        cache.close();
    }
}
