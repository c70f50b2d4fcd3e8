package dev.weir.log.txn;

import dev.weir.log.coordinator.CoordinatorErrors;
import dev.weir.log.coordinator.CoordinatorRuntime;
import dev.weir.log.coordinator.ShardLog;
import dev.weir.log.coordinator.ShardStatus;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.KeyValueBatches;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional ids of one {@code __transaction_state} partition, on the broker that leads it: loaded
 * by replaying the partition when the broker becomes leader, dropped when it stops being leader. Holds
 * one {@link Entry} per id and writes their transitions.
 *
 * <p>Thread-safety: the id map is concurrent; each entry is guarded by its own monitor; the status is
 * volatile (a request that finds the shard loading gets COORDINATOR_LOAD_IN_PROGRESS, unloaded
 * NOT_COORDINATOR).
 */
final class TransactionShard implements CoordinatorRuntime.Shard {
    private static final Logger log = LoggerFactory.getLogger(TransactionShard.class);

    /**
     * One transactional id. {@code current} is its last written (and replicated) state; {@code pending} the
     * state being written, or null. Guarded by the entry's monitor.
     */
    static final class Entry {
        TransactionMetadata current;
        TransactionMetadata pending;
        /** Set once the id was removed (expired) from the shard; a request holding it retries. */
        boolean removed;

        Entry(TransactionMetadata current) {
            this.current = current;
        }
    }

    private final int partitionIndex;
    private final int coordinatorEpoch;
    private final ShardLog shardLog;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile ShardStatus status = ShardStatus.LOADING;

    TransactionShard(int partitionIndex, int coordinatorEpoch, ShardLog shardLog) {
        this.partitionIndex = partitionIndex;
        this.coordinatorEpoch = coordinatorEpoch;
        this.shardLog = shardLog;
    }

    int partitionIndex() {
        return partitionIndex;
    }

    /** The partition's leader epoch when this shard was loaded; sent with markers to fence older coordinators. */
    int coordinatorEpoch() {
        return coordinatorEpoch;
    }

    ShardLog log() {
        return shardLog;
    }

    ShardStatus status() {
        return status;
    }

    boolean active() {
        return status == ShardStatus.ACTIVE;
    }

    ErrorCode availability() {
        return status.availability();
    }

    Entry entry(String transactionalId) {
        return entries.get(transactionalId);
    }

    Entry getOrCreate(String transactionalId, Supplier<TransactionMetadata> fresh) {
        return entries.computeIfAbsent(transactionalId, id -> new Entry(fresh.get()));
    }

    Collection<Map.Entry<String, Entry>> entries() {
        return entries.entrySet();
    }

    /** Forgets an id (after its tombstone is written, or one never written). Caller holds the entry's monitor. */
    void remove(String transactionalId, Entry entry) {
        entry.removed = true;
        entries.remove(transactionalId, entry);
    }

    /**
     * Writes {@code next} as the id's new state: it is pending while the record is appended and replicated,
     * then current. A Dead state is written as a tombstone and removes the id. Caller holds the entry's
     * monitor; the future completes with NONE or the error for the client ({@link #storeError}).
     */
    CompletableFuture<ErrorCode> write(Entry entry, TransactionMetadata next, long now) {
        entry.pending = next;
        byte[] value = next.state() == TransactionState.DEAD ? null : TxnRecords.value(next);
        CompletableFuture<Void> replicated;
        try {
            replicated = shardLog.append(List.of(new KeyValueBatches.Entry(TxnRecords.key(next.transactionalId()),
                    value)), now);
        } catch (RuntimeException e) {
            entry.pending = null;
            log.warn("writing the state of transactional id '{}' failed", next.transactionalId(), e);
            return CompletableFuture.completedFuture(storeError(e));
        }
        return replicated.handle((v, error) -> {
            synchronized (entry) {
                if (entry.pending == next) {
                    entry.pending = null;
                }
                if (error != null) {
                    log.warn("the state of transactional id '{}' was not replicated: {}", next.transactionalId(),
                            error.getMessage());
                    return storeError(error);
                }
                entry.current = next;
                if (next.state() == TransactionState.DEAD) {
                    remove(next.transactionalId(), entry);
                }
                return ErrorCode.NONE;
            }
        });
    }

    /**
     * A failed write to the state log as Kafka's transaction coordinator answers it: COORDINATOR_NOT_AVAILABLE when
     * the partition lacks in-sync replicas ({@code min.insync.replicas}) or the ISR did not acknowledge in time (the
     * client retries), NOT_COORDINATOR when leadership moved or storage failed (it looks the coordinator up again),
     * UNKNOWN_SERVER_ERROR for a record too large.
     */
    private static ErrorCode storeError(Throwable t) {
        return CoordinatorErrors.ofWrite(t, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }

    // --- load / unload ---

    /**
     * Replays the partition into entries and starts serving. Runs on the runtime's shard thread.
     *
     * @return the entries found in PrepareCommit or PrepareAbort, whose markers must be (re)sent
     */
    List<Entry> load() {
        long start = System.nanoTime();
        Map<String, TransactionMetadata> latest = new HashMap<>();
        int[] records = new int[1];
        shardLog.replay(r -> {
            records[0]++;
            try {
                String id = TxnRecords.readKey(r.key());
                if (id == null) {
                    log.warn("__transaction_state-{} offset {}: skipping a record of an unknown type", partitionIndex,
                            r.offset());
                } else if (r.value() == null) {
                    latest.remove(id);
                } else {
                    latest.put(id, TxnRecords.readValue(id, r.value()));
                }
            } catch (IllegalArgumentException e) {
                log.error("__transaction_state-{} offset {}: skipping an unreadable record: {}", partitionIndex,
                        r.offset(), e.getMessage());
            }
        });
        List<Entry> toComplete = new ArrayList<>();
        latest.forEach((id, m) -> {
            if (m.state() == TransactionState.DEAD) {
                return;
            }
            Entry e = new Entry(m);
            entries.put(id, e);
            if (m.state() == TransactionState.PREPARE_COMMIT || m.state() == TransactionState.PREPARE_ABORT) {
                toComplete.add(e);
            }
        });
        if (status == ShardStatus.LOADING) {
            status = ShardStatus.ACTIVE;
        }
        log.info("loaded {} transactional id(s) from {} record(s) of __transaction_state-{} in {} ms ({} completing)",
                entries.size(), records[0], partitionIndex, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                toComplete.size());
        return toComplete;
    }

    /** Stops serving; marker jobs of this shard stop at their next attempt. */
    @Override
    public void unload() {
        status = ShardStatus.UNLOADED;
        entries.clear();
    }
}
