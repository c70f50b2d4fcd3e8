package dev.weir.log.replica;

import dev.weir.log.storage.LogAppendInfo;
import dev.weir.log.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A partition this broker leads: its log, leader epoch and high watermark. Consumers read only
 * below the high watermark. With a single replica the in-sync set is just the leader, so the high
 * watermark follows the log end offset; with followers it will be the smallest log end offset
 * of the in-sync replicas, and acks=all writes wait in {@link #awaitHighWatermark} until it covers them.
 *
 * <p>Thread-safety: appends are serialized by the log; the high watermark is published through a
 * volatile field; waiters are guarded by this object.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog log;
    private volatile int leaderEpoch;
    private volatile long highWatermark;
    private final List<HighWatermarkWaiter> waiters = new ArrayList<>();

    private record HighWatermarkWaiter(long offset, CompletableFuture<Void> future) {}

    Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int leaderEpoch) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.leaderEpoch = leaderEpoch;
        this.highWatermark = log.logEndOffset();
        log.startLeaderEpoch(leaderEpoch);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    void setLeaderEpoch(int leaderEpoch) {
        log.startLeaderEpoch(leaderEpoch);
        this.leaderEpoch = leaderEpoch;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** The offset below which no transaction is open; equal to the high watermark until transactions exist. */
    public long lastStableOffset() {
        return highWatermark;
    }

    public LogAppendInfo appendAsLeader(ByteBuffer batches) {
        LogAppendInfo info = log.appendAsLeader(batches, leaderEpoch);
        // The leader is the whole in-sync set of a single-replica partition.
        advanceHighWatermark(log.logEndOffset());
        return info;
    }

    /** Completes once the high watermark is at least {@code offset}. */
    public CompletableFuture<Void> awaitHighWatermark(long offset) {
        synchronized (this) {
            if (highWatermark >= offset) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> future = new CompletableFuture<>();
            waiters.add(new HighWatermarkWaiter(offset, future));
            return future;
        }
    }

    /** After DeleteRecords or retention the high watermark never trails the log start. */
    void refreshAfterTruncationOfHead() {
        advanceHighWatermark(Math.max(highWatermark, log.logStartOffset()));
    }

    private void advanceHighWatermark(long newHighWatermark) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this) {
            if (newHighWatermark <= highWatermark) {
                return;
            }
            highWatermark = newHighWatermark;
            for (Iterator<HighWatermarkWaiter> it = waiters.iterator(); it.hasNext(); ) {
                HighWatermarkWaiter w = it.next();
                if (w.offset() <= newHighWatermark) {
                    ready.add(w.future());
                    it.remove();
                }
            }
        }
        ready.forEach(f -> f.complete(null));
    }
}
