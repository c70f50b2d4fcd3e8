package dev.weir.streams.internal;

import dev.weir.streams.TaskId;
import dev.weir.streams.state.BytesStore;
import dev.weir.streams.state.InMemoryBytesStore;
import dev.weir.streams.state.RocksDbBytesStore;
import dev.weir.streams.state.RocksDbMemory;
import dev.weir.streams.state.StoreType;
import java.nio.file.Path;

/**
 * Opens the local store of a task: in memory, or RocksDB under
 * {@code <state.dir>/<application.id>/<task>/rocksdb/<store>} with the instance's one memory budget.
 */
public final class StoreFactory implements AutoCloseable {
    private final StoreType defaultType;
    private final Path appDir;
    private final long rocksDbMemoryBytes;
    private RocksDbMemory memory;

    public StoreFactory(StoreType defaultType, Path appDir, long rocksDbMemoryBytes) {
        this.defaultType = defaultType;
        this.appDir = appDir;
        this.rocksDbMemoryBytes = rocksDbMemoryBytes;
    }

    public Path taskDir(TaskId task) {
        return appDir.resolve(task.toString());
    }

    public synchronized BytesStore open(TaskId task, StoreSpec spec) {
        StoreType type = spec.type() != null ? spec.type() : defaultType;
        if (type == StoreType.IN_MEMORY) {
            return new InMemoryBytesStore(spec.name());
        }
        if (memory == null) {
            memory = new RocksDbMemory(rocksDbMemoryBytes);
        }
        return new RocksDbBytesStore(spec.name(), taskDir(task).resolve("rocksdb").resolve(spec.name()), memory);
    }

    /** Call after every store is closed. */
    @Override
    public synchronized void close() {
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }
}
