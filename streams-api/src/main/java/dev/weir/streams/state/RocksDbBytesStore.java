package dev.weir.streams.state;

import dev.weir.streams.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.NoSuchElementException;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * A {@link BytesStore} in a RocksDB database directory. Block cache and memtables come from the
 * instance-wide {@link RocksDbMemory}. The write-ahead log is off: the changelog topic is the durable
 * copy, and {@link #flush()} (called before a checkpoint is written) persists the memtables.
 */
public final class RocksDbBytesStore implements BytesStore {
    private final String name;
    private final Options options;
    private final WriteOptions writeOptions;
    private final BloomFilter filter = new BloomFilter(10, false);
    private final RocksDB db;
    private boolean open = true;

    public RocksDbBytesStore(String name, Path dir, RocksDbMemory memory) {
        this.name = name;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the store directory " + dir, e);
        }
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(memory.cache())
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setFilterPolicy(filter)
                .setBlockSize(16 * 1024);
        this.options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferManager(memory.writeBufferManager())
                .setTableFormatConfig(table)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                // Memtables sized from the budget, in small arena blocks: RocksDB's default arena block is
                // write_buffer_size / 8 (8 MiB), which alone would overrun a small budget across many stores.
                .setWriteBufferSize(Math.max(1L << 20, Math.min(64L << 20, memory.budgetBytes() / 8)))
                .setArenaBlockSize(256 * 1024)
                .setMaxWriteBufferNumber(3)
                .setMaxBackgroundJobs(2)
                .setInfoLogLevel(org.rocksdb.InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2);
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        try {
            this.db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            options.close();
            writeOptions.close();
            filter.close();
            throw new IllegalStateException("cannot open RocksDB store '" + name + "' in " + dir + ": "
                    + e.getMessage() + " (is another instance using the same state.dir?)", e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("store " + name + ": get failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        try {
            if (value == null) {
                db.delete(writeOptions, key);
            } else {
                db.put(writeOptions, key, value);
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException("store " + name + ": write failed: " + e.getMessage(), e);
        }
    }

    @Override
    public KeyValueIterator<byte[], byte[]> range(byte[] from, byte[] to) {
        ReadOptions read = new ReadOptions();
        RocksIterator it = db.newIterator(read);
        if (from == null) {
            it.seekToFirst();
        } else {
            it.seek(from);
        }
        return new KeyValueIterator<>() {
            private boolean closed;

            @Override
            public boolean hasNext() {
                if (closed || !it.isValid()) {
                    return false;
                }
                if (to != null && Arrays.compareUnsigned(it.key(), to) > 0) {
                    close();
                    return false;
                }
                return true;
            }

            @Override
            public KeyValue<byte[], byte[]> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                KeyValue<byte[], byte[]> kv = new KeyValue<>(it.key(), it.value());
                it.next();
                return kv;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    it.close();
                    read.close();
                }
            }
        };
    }

    @Override
    public long approximateNumEntries() {
        try {
            return db.getLongProperty("rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            return -1;
        }
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public void flush() {
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f);
        } catch (RocksDBException e) {
            throw new IllegalStateException("store " + name + ": flush failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            flush();
            db.close();
            writeOptions.close();
            options.close();
            filter.close();
        }
    }
}
