package dev.weir.log.coordinator;

import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.storage.FileSlice;
import dev.weir.log.storage.LogReadInfo;
import dev.weir.log.storage.AppendOrigin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The log of one partition of a coordinator's internal topic ({@code __consumer_offsets} with
 * {@code group.GroupRecords}, {@code __transaction_state} with {@code txn.TxnRecords}) as its shard uses it:
 * appends batches with acks=all through {@link ReplicaManager#appendRecords} (so {@code min.insync.replicas}
 * holds for coordinator writes as for any producer's), and replays the partition from its start when the shard
 * loads. Map a failed write to the client's error with {@link CoordinatorErrors}.
 *
 * <p>Thread-safe: the partition log serializes appends; reads use the log's immutable views.
 */
public final class ShardLog {
    /** Bytes read per step while replaying. */
    private static final int READ_BYTES = 1024 * 1024;

    private final Partition partition;
    private final ReplicaManager replicas;
    private final long writeTimeoutMs;

    /** @param writeTimeoutMs how long a write waits for the ISR before it fails with Kafka's TimeoutException */
    public ShardLog(Partition partition, ReplicaManager replicas, long writeTimeoutMs) {
        this.partition = partition;
        this.replicas = replicas;
        this.writeTimeoutMs = writeTimeoutMs;
    }

    public Partition partition() {
        return partition;
    }

    /** Largest batch the partition accepts ({@code max.message.bytes}). */
    public int maxBatchBytes() {
        return partition.log().config().maxMessageBytes();
    }

    /**
     * Appends {@code entries} as one batch. The append itself happens before this returns (or throws);
     * the future completes once the partition's high watermark covers it, i.e. once it is replicated
     * (with a single replica: before this returns, on the calling thread), and fails when it is not within the
     * write timeout or leadership moves first.
     *
     * @throws RuntimeException the append's failure, nothing written (NOT_ENOUGH_REPLICAS while the ISR is smaller
     *                          than {@code min.insync.replicas}, record too large, storage error, ...)
     */
    public CompletableFuture<Void> append(List<KeyValueBatches.Entry> entries, long nowMs) {
        return appendBatch(KeyValueBatches.batch(entries, nowMs));
    }

    /**
     * Appends {@code entries} as one transactional batch of the producer (offsets committed in a
     * transaction), as {@link #append} does otherwise. The sequence continues what the partition's producer
     * state holds for this producer and epoch (0 for a new epoch), so the log's idempotence checks accept it;
     * callers serialize appends of one producer.
     */
    public CompletableFuture<Void> appendTransactional(List<KeyValueBatches.Entry> entries, long nowMs, long producerId,
                                               short producerEpoch) {
        // Coordinator-origin batches get only the producer epoch check, so the sequence need not follow the client's.
        ByteBuffer batch = KeyValueBatches.transactionalBatch(entries, nowMs, producerId, producerEpoch, 0);
        return appendBatch(batch, AppendOrigin.COORDINATOR);
    }

    private CompletableFuture<Void> appendBatch(ByteBuffer batch) {
        return appendBatch(batch, AppendOrigin.CLIENT);
    }

    private CompletableFuture<Void> appendBatch(ByteBuffer batch, AppendOrigin origin) {
        return replicas.appendRecords(partition.topicPartition(), batch, ReplicaManager.ACKS_ALL, writeTimeoutMs, origin)
                .thenApply(info -> null);
    }

    /**
     * Visits every record from the log start up to the log end, in offset order. A new leader loads up to its
     * log end, not its high watermark: it never truncates its own log, so everything in it becomes committed.
     */
    public void replay(KeyValueBatches.Visitor visitor) {
        replayUpTo(partition.log().logEndOffset(), (buf, from) -> KeyValueBatches.forEach(buf, from, visitor));
    }

    /**
     * As {@link #replay}, reporting each record's producer and the COMMIT/ABORT markers.
     *
     * @return the log end offset replayed up to (markers at or above it come later)
     */
    public long replayWithMarkers(KeyValueBatches.TransactionalVisitor visitor) {
        long end = partition.log().logEndOffset();
        replayUpTo(end, (buf, from) -> KeyValueBatches.forEachWithMarkers(buf, from, visitor));
        return end;
    }

    private interface Step {
        long visit(ByteBuffer batches, long from);
    }

    private void replayUpTo(long end, Step step) {
        long next = partition.log().logStartOffset();
        while (next < end) {
            LogReadInfo read = partition.log().read(next, READ_BYTES, end, true);
            FileSlice slice = read.records();
            if (slice.size() == 0) {
                break;
            }
            long after = step.visit(readFully(slice), next);
            if (after <= next) {
                break;
            }
            next = after;
        }
    }

    private static ByteBuffer readFully(FileSlice slice) {
        ByteBuffer buf = ByteBuffer.allocate(slice.size());
        try {
            while (buf.hasRemaining()) {
                int n = slice.channel().read(buf, slice.position() + buf.position());
                if (n < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + slice, e);
        }
        return buf.flip();
    }
}
