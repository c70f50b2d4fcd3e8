package dev.weir.log.group;

import dev.weir.log.protocol.KeyValueBatches;
import dev.weir.log.replica.FetchPurgatory;
import dev.weir.log.replica.Partition;
import dev.weir.log.storage.FileSlice;
import dev.weir.log.storage.LogReadInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The log of one {@code __consumer_offsets} partition as its coordinator shard uses it: appends
 * batches of {@link GroupRecords} through the partition leader, and replays the partition from its
 * start when the shard loads.
 *
 * <p>Thread-safe: the partition log serializes appends; reads use the log's immutable views.
 */
final class ShardLog {
    /** Bytes read per step while replaying. */
    private static final int READ_BYTES = 1024 * 1024;

    private final Partition partition;
    private final FetchPurgatory fetchPurgatory;

    ShardLog(Partition partition, FetchPurgatory fetchPurgatory) {
        this.partition = partition;
        this.fetchPurgatory = fetchPurgatory;
    }

    Partition partition() {
        return partition;
    }

    /** Largest batch the partition accepts ({@code max.message.bytes}). */
    int maxBatchBytes() {
        return partition.log().config().maxMessageBytes();
    }

    /**
     * Appends {@code entries} as one batch. The append itself happens before this returns (or throws);
     * the future completes once the partition's high watermark covers it, i.e. once it is replicated
     * (with a single replica: before this returns, on the calling thread).
     *
     * @throws RuntimeException the append's failure (record too large, storage error, ...)
     */
    CompletableFuture<Void> append(List<KeyValueBatches.Entry> entries, long nowMs) {
        ByteBuffer batch = KeyValueBatches.batch(entries, nowMs);
        long lastOffset = partition.appendAsLeader(batch).lastOffset();
        fetchPurgatory.onNewData(partition.topicPartition());
        return partition.awaitHighWatermark(lastOffset + 1);
    }

    /**
     * Visits every record from the log start up to the log end, in offset order. A new leader loads up to its
     * log end, not its high watermark: it never truncates its own log, so everything in it becomes committed.
     */
    void replay(KeyValueBatches.Visitor visitor) {
        long next = partition.log().logStartOffset();
        long end = partition.log().logEndOffset();
        while (next < end) {
            LogReadInfo read = partition.log().read(next, READ_BYTES, end, true);
            FileSlice slice = read.records();
            if (slice.size() == 0) {
                break;
            }
            long after = KeyValueBatches.forEach(readFully(slice), next, visitor);
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
