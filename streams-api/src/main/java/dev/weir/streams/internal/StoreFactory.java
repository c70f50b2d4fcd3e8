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

    private final java.util.Map<TaskId, Thread> owners = new java.util.HashMap<>();

    /**
     * Takes the task's local state for the calling thread, waiting while another stream thread of this
     * instance still holds it (in a rebalance one thread may open a task before the thread that had it
     * has closed it; RocksDB would refuse the second open).
     */
    public synchronized void lock(TaskId task, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread me = Thread.currentThread();
        while (owners.containsKey(task) && owners.get(task) != me) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IllegalStateException("the local state of task " + task + " is still held by "
                        + owners.get(task).getName() + " after " + timeout);
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the state of task " + task, e);
            }
        }
        owners.put(task, me);
    }

    /** Releases the task's local state (after its stores are closed). */
    public synchronized void unlock(TaskId task) {
        if (owners.get(task) == Thread.currentThread()) {
            owners.remove(task);
            notifyAll();
        }
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
