package dev.weir.log.replica;

import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.protocol.KafkaBatchScanner;
import dev.weir.log.storage.AppendOrigin;
import dev.weir.log.storage.BatchRecordScanner;
import dev.weir.log.storage.EpochEndOffset;
import dev.weir.log.storage.LogAppendInfo;
import dev.weir.log.storage.LogReadInfo;
import dev.weir.log.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;

/**
 * A partition hosted on this broker, as leader or follower, with its log and high watermark.
 *
 * <p>As <b>leader</b> it tracks each follower's log end offset (the offset of its last fetch) and when it
 * last caught up. The high watermark is the smallest log end offset over the ISR, counting followers whose
 * addition to the ISR is pending (so a follower joining the ISR never lags the high watermark it then
 * guarantees). A follower that caught up to the high watermark is proposed for the ISR; one that has not
 * caught up for {@code replica.lag.time.max.ms} is proposed for removal; proposals go to the controller
 * through {@link IsrProposals} with the leader epoch and partition epoch, and only take effect when the
 * committed image comes back. acks=all appends ({@link ReplicaManager#appendRecords}) wait in
 * {@link #awaitAcksAll}.
 *
 * <p>As <b>follower</b> its log is written by the replica fetcher and its high watermark is the leader's,
 * capped at its own log end.
 *
 * <pre>
 *   (new) --image: leader here--> LEADER  --image: leader elsewhere / none--> FOLLOWER
 *   FOLLOWER --image: leader here--> LEADER (new leader epoch; follower states start unknown)
 * </pre>
 *
 * <p>Thread-safety: role, ISR and follower state are guarded by this object; the high watermark and
 * leader epoch are volatile for lock-free reads; appends are serialized by the log.
 */
public final class Partition {
    /** Where a leader sends ISR changes; implementations commit them asynchronously. */
    public interface IsrProposals {
        void propose(Partition partition, int leaderEpoch, int partitionEpoch, List<Integer> isr);
    }

    public enum Role { LEADER, FOLLOWER }

    private static final long UNKNOWN = -1;
    /** Looks inside batches for timestamp lookups; stateless. */
    private static final BatchRecordScanner SCANNER = new KafkaBatchScanner();

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog log;
    private final int localNode;
    private final Runnable onHighWatermarkMoved;
    private volatile Role role = Role.FOLLOWER;
    private volatile int leaderId = PartitionImage.NO_LEADER;
    private volatile int leaderEpoch = -1;
    private volatile long highWatermark;
    private volatile int minInsyncReplicas = 1;
    private List<Integer> replicas = List.of();
    private List<Integer> isr = List.of();
    private int partitionEpoch = -1;
    private List<Integer> pendingIsr;
    private long proposalBackoffUntilMs;
    private long leaderEpochStartOffset;
    private final Map<Integer, FollowerState> followers = new HashMap<>();
    private final List<HighWatermarkWaiter> waiters = new ArrayList<>();

    private record HighWatermarkWaiter(long offset, CompletableFuture<Void> future) {}

    /** What a leader knows of one follower. */
    private static final class FollowerState {
        long logEndOffset = UNKNOWN;
        long lastCaughtUpMs;
        long lastFetchMs;
        long leaderEndAtLastFetch = UNKNOWN;

        FollowerState(long now) {
            this.lastCaughtUpMs = now;
        }
    }

    Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int localNode, Runnable onHighWatermarkMoved) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.localNode = localNode;
        this.onHighWatermarkMoved = onHighWatermarkMoved;
        this.highWatermark = Math.max(log.logStartOffset(), Math.min(log.recoveryPoint(), log.logEndOffset()));
        // Compacting above the high watermark could remove records a new leader then lacks; above the last stable
        // offset, records of transactions whose outcome is unknown.
        log.setCleanableUpperBound(this::lastStableOffset);
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

    public int leaderId() {
        return leaderId;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /**
     * The offset below which every transaction is decided: min(high watermark, first unstable offset), where a
     * transaction stays unstable until the high watermark passes its marker. read_committed consumers read below it.
     */
    public long lastStableOffset() {
        return log.lastStableOffset(highWatermark);
    }

    // --- The read side: what request handlers learn of the log, in replica's own value types. ---

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long logEndOffset() {
        return log.logEndOffset();
    }

    /** Whether the topic's cleanup.policy includes compact (such batches must carry keys). */
    public boolean isCompacted() {
        return log.config().cleanup().compact();
    }

    /**
     * Reads whole batches from {@code fetch.fetchOffset()} up to the bound {@code isolation} sets: the log end for a
     * follower, the high watermark, or the last stable offset with the aborted transactions overlapping the records.
     *
     * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException if the offset is outside the log
     */
    public ReadResult read(FetchParams fetch, FetchIsolation isolation) {
        long hw = highWatermark;
        long lso = log.lastStableOffset(hw);
        long upTo = switch (isolation) {
            case LOG_END -> log.logEndOffset();
            case HIGH_WATERMARK -> hw;
            case TXN_COMMITTED -> lso;
        };
        boolean committed = isolation == FetchIsolation.TXN_COMMITTED;
        LogReadInfo read = log.read(fetch.fetchOffset(), fetch.maxBytes(), upTo, fetch.minOneMessage(), committed);
        List<ReadResult.AbortedTransaction> aborted = List.of();
        if (committed && read.records().size() > 0) {
            aborted = log.collectAbortedTransactions(fetch.fetchOffset(), Math.min(read.upperBoundOffset(), upTo))
                    .stream().map(t -> new ReadResult.AbortedTransaction(t.producerId(), t.firstOffset())).toList();
        }
        return new ReadResult(read.records(), read.records().size(), hw, lso, read.logStartOffset(), aborted);
    }

    /**
     * The earliest record with timestamp >= {@code timestamp} at or after the log start (ListOffsets by timestamp),
     * whatever the high watermark; the caller hides what its client may not see yet.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        return log.offsetForTimestamp(timestamp, SCANNER).map(t -> new TimestampAndOffset(t.timestamp(), t.offset()));
    }

    /** The first record carrying the log's largest timestamp (ListOffsets MAX_TIMESTAMP, KIP-734). */
    public Optional<TimestampAndOffset> maxTimestampOffset() {
        return log.maxTimestampOffset(SCANNER).map(t -> new TimestampAndOffset(t.timestamp(), t.offset()));
    }

    /** Where leader epoch {@code epoch} ends in this log (OffsetForLeaderEpoch). */
    public EpochEnd endOffsetForEpoch(int epoch) {
        EpochEndOffset found = log.endOffsetForEpoch(epoch);
        return new EpochEnd(found.epoch(), found.endOffset());
    }

    /** The producers this log remembers (DescribeProducers). */
    public List<ProducerSnapshot> producerStates() {
        return log.producerStates().values().stream()
                .map(e -> new ProducerSnapshot(e.producerId(), e.epoch(), e.lastSeq(), e.lastTimestamp(),
                        e.coordinatorEpoch(), e.currentTxnFirstOffset()))
                .toList();
    }

    /** DeleteRecords: moves the log start offset up to {@code offset}; the caller bounds it by the high watermark. */
    public void deleteRecordsBefore(long offset) {
        log.deleteRecordsBefore(offset);
    }

    public synchronized List<Integer> isr() {
        return isr;
    }

    /** Takes over leadership at the image's leader epoch. */
    synchronized void becomeLeader(PartitionImage image, long nowMs) {
        boolean newEpoch = role != Role.LEADER || image.leaderEpoch() != leaderEpoch;
        role = Role.LEADER;
        leaderId = localNode;
        leaderEpoch = image.leaderEpoch();
        if (newEpoch) {
            followers.clear();
            pendingIsr = null;
            leaderEpochStartOffset = log.logEndOffset();
            log.startLeaderEpoch(image.leaderEpoch());
        }
        updateAssignment(image, nowMs);
        maybeAdvanceHighWatermark();
    }

    /** Follows {@code image.leader()} (or nobody, while the partition is offline); parked acks=all writes fail. */
    void becomeFollower(PartitionImage image) {
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (this) {
            role = Role.FOLLOWER;
            leaderId = image.leader();
            leaderEpoch = image.leaderEpoch();
            replicas = image.replicas();
            isr = image.isr();
            partitionEpoch = image.partitionEpoch();
            followers.clear();
            pendingIsr = null;
            waiters.forEach(w -> failed.add(w.future()));
            waiters.clear();
        }
        NotLeaderOrFollowerException e = new NotLeaderOrFollowerException("leadership of " + topicPartition
                + " moved to broker " + image.leader() + " before the write was replicated");
        failed.forEach(f -> f.completeExceptionally(e));
    }

    /** Same leader and epoch, new replicas or ISR (a committed ISR change, a reassignment step). */
    synchronized void updateAssignment(PartitionImage image, long nowMs) {
        replicas = image.replicas();
        isr = image.isr();
        partitionEpoch = image.partitionEpoch();
        if (pendingIsr != null && pendingIsr.equals(isr)) {
            pendingIsr = null;
        }
        if (role == Role.LEADER) {
            followers.keySet().retainAll(replicas);
            for (int r : replicas) {
                if (r != localNode) {
                    followers.computeIfAbsent(r, id -> new FollowerState(nowMs));
                }
            }
            maybeAdvanceHighWatermark();
        }
    }

    /**
     * A pending ISR proposal was committed, refused or superseded: the next fetch or lag check may propose
     * again, after {@code backoffMs} if it was refused (so a refusal does not turn every fetch into a proposal).
     */
    synchronized void clearPendingIsr(List<Integer> proposed, long backoffMs) {
        if (proposed.equals(pendingIsr)) {
            pendingIsr = null;
            proposalBackoffUntilMs = System.currentTimeMillis() + backoffMs;
        }
    }

    /** Cut off from the cluster: parked acks=all writes fail now instead of waiting out their timeout. */
    void failParkedWrites(String why) {
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (this) {
            waiters.forEach(w -> failed.add(w.future()));
            waiters.clear();
        }
        NotLeaderOrFollowerException e = new NotLeaderOrFollowerException(why);
        failed.forEach(f -> f.completeExceptionally(e));
    }

    void setMinInsyncReplicas(int minInsyncReplicas) {
        this.minInsyncReplicas = minInsyncReplicas;
    }

    /**
     * Appends batches as leader; callers go through {@link ReplicaManager#appendRecords}, which also wakes fetches
     * and waits for the acks.
     *
     * @param acksAll the writer waits for the ISR: refuse (NOT_ENOUGH_REPLICAS) while the ISR is smaller than
     *                {@code min.insync.replicas}
     * @param origin  {@link AppendOrigin#COORDINATOR} may append transaction markers
     */
    LogAppendInfo appendAsLeader(ByteBuffer batches, boolean acksAll, AppendOrigin origin) {
        int epoch;
        synchronized (this) {
            if (role != Role.LEADER) {
                throw new NotLeaderOrFollowerException("this broker does not lead " + topicPartition);
            }
            if (acksAll && isr.size() < minInsyncReplicas) {
                throw new NotEnoughReplicasException("the ISR of " + topicPartition + " is " + isr
                        + ", smaller than min.insync.replicas=" + minInsyncReplicas);
            }
            epoch = leaderEpoch;
        }
        LogAppendInfo info = log.appendAsLeader(batches, epoch, origin);
        long candidate;
        synchronized (this) {
            candidate = highWatermarkCandidate();
        }
        advanceHighWatermark(candidate);
        return info;
    }

    /**
     * A follower fetched from {@code fetchOffset}: everything below it is on that follower. Updates its
     * position, maybe proposes it for the ISR and moves the high watermark.
     */
    public void onFollowerFetch(int replicaId, long fetchOffset, long nowMs, IsrProposals proposals) {
        Runnable proposal = null;
        long candidate;
        synchronized (this) {
            if (role != Role.LEADER) {
                throw new NotLeaderOrFollowerException("this broker does not lead " + topicPartition);
            }
            FollowerState state = followers.get(replicaId);
            if (state == null) {
                throw new NotLeaderOrFollowerException("broker " + replicaId + " is not a replica of " + topicPartition);
            }
            long leaderEnd = log.logEndOffset();
            if (fetchOffset > leaderEnd) {
                // A follower ahead of its leader has a divergent tail to truncate first; it must not count.
                throw new OffsetOutOfRangeException("fetch offset " + fetchOffset + " of broker " + replicaId
                        + " is beyond the log end " + leaderEnd + " of " + topicPartition);
            }
            if (fetchOffset == leaderEnd) {
                state.lastCaughtUpMs = nowMs;
            } else if (state.leaderEndAtLastFetch != UNKNOWN && fetchOffset >= state.leaderEndAtLastFetch) {
                state.lastCaughtUpMs = Math.max(state.lastCaughtUpMs, state.lastFetchMs);
            }
            state.logEndOffset = fetchOffset;
            state.lastFetchMs = nowMs;
            state.leaderEndAtLastFetch = leaderEnd;
            if (!isr.contains(replicaId) && pendingIsr == null && nowMs >= proposalBackoffUntilMs
                    && fetchOffset >= highWatermark
                    && fetchOffset >= leaderEpochStartOffset) {
                List<Integer> expanded = new ArrayList<>(isr);
                expanded.add(replicaId);
                proposal = propose(expanded, proposals);
            }
            candidate = highWatermarkCandidate();
        }
        advanceHighWatermark(candidate);
        if (proposal != null) {
            proposal.run();
        }
    }

    /** Proposes removing followers that have not caught up for {@code maxLagMs}. */
    void maybeShrinkIsr(long nowMs, long maxLagMs, IsrProposals proposals) {
        Runnable proposal = null;
        synchronized (this) {
            if (role != Role.LEADER || pendingIsr != null || nowMs < proposalBackoffUntilMs) {
                return;
            }
            List<Integer> shrunk = new ArrayList<>(isr);
            shrunk.removeIf(r -> {
                FollowerState state = followers.get(r);
                return r != localNode && (state == null || nowMs - state.lastCaughtUpMs > maxLagMs);
            });
            if (shrunk.size() < isr.size()) {
                proposal = propose(shrunk, proposals);
            }
        }
        if (proposal != null) {
            proposal.run();
        }
    }

    private Runnable propose(List<Integer> newIsr, IsrProposals proposals) {
        pendingIsr = List.copyOf(newIsr);
        int epoch = leaderEpoch;
        int pEpoch = partitionEpoch;
        List<Integer> proposed = pendingIsr;
        return () -> proposals.propose(this, epoch, pEpoch, proposed);
    }

    /**
     * An acks=all write up to {@code offset} is acknowledged: completes once the high watermark covers it, and fails
     * with NotEnoughReplicasAfterAppendException if by then the ISR (counting a pending expansion) has shrunk below
     * {@code min.insync.replicas}, as Kafka's leader answers: the records stay in the log, but fewer replicas than
     * asked for hold them.
     */
    CompletableFuture<Void> awaitAcksAll(long offset) {
        return awaitHighWatermark(offset).thenCompose(v -> {
            int insync = maximalIsrSize();
            int min = minInsyncReplicas;
            return insync >= min ? CompletableFuture.<Void>completedFuture(null)
                    : CompletableFuture.<Void>failedFuture(new NotEnoughReplicasAfterAppendException("the ISR of "
                    + topicPartition + " shrank to " + insync + " replica(s), below min.insync.replicas=" + min
                    + ", before the write reached the high watermark"));
        });
    }

    private synchronized int maximalIsrSize() {
        if (pendingIsr == null) {
            return isr.size();
        }
        Set<Integer> maximal = new LinkedHashSet<>(isr);
        maximal.addAll(pendingIsr);
        return maximal.size();
    }

    /** Completes once the high watermark is at least {@code offset}. */
    CompletableFuture<Void> awaitHighWatermark(long offset) {
        synchronized (this) {
            if (highWatermark >= offset) {
                return CompletableFuture.completedFuture(null);
            }
            if (role != Role.LEADER) {
                return CompletableFuture.failedFuture(new NotLeaderOrFollowerException(
                        "this broker no longer leads " + topicPartition));
            }
            CompletableFuture<Void> future = new CompletableFuture<>();
            waiters.add(new HighWatermarkWaiter(offset, future));
            return future;
        }
    }

    /** A follower learned the leader's high watermark. */
    public void updateFollowerHighWatermark(long leaderHighWatermark) {
        synchronized (this) {
            if (role != Role.FOLLOWER) {
                return;
            }
        }
        advanceHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()));
    }

    /** After a follower truncated its log the high watermark must not point past its end. */
    public synchronized void onTruncated() {
        if (highWatermark > log.logEndOffset()) {
            highWatermark = log.logEndOffset();
        }
    }

    /** After DeleteRecords or retention the high watermark never trails the log start. */
    void refreshAfterTruncationOfHead() {
        advanceHighWatermark(Math.max(highWatermark, log.logStartOffset()));
    }

    /** Holding this object's lock. */
    private void maybeAdvanceHighWatermark() {
        advanceHighWatermark(highWatermarkCandidate());
    }

    /** The smallest log end offset over the (maximal) ISR, or -1 while a position is unknown. Holding the lock. */
    private long highWatermarkCandidate() {
        if (role != Role.LEADER) {
            return UNKNOWN;
        }
        long candidate = log.logEndOffset();
        Set<Integer> counted = new LinkedHashSet<>(isr);
        if (pendingIsr != null) {
            counted.addAll(pendingIsr);
        }
        for (int r : counted) {
            if (r == localNode) {
                continue;
            }
            FollowerState state = followers.get(r);
            long end = state == null ? UNKNOWN : state.logEndOffset;
            if (end == UNKNOWN) {
                return UNKNOWN; // a new leader waits until every in-sync follower has reported its position
            }
            candidate = Math.min(candidate, end);
        }
        return candidate;
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
        log.onHighWatermark(newHighWatermark);
        ready.forEach(f -> f.complete(null));
        onHighWatermarkMoved.run();
    }
}
