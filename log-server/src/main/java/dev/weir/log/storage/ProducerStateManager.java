package dev.weir.log.storage;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Producer state of one partition: for each producer id its epoch, last {@link ProducerStateEntry#NUM_BATCHES_TO_RETAIN}
 * batches, coordinator epoch and the first offset of its ongoing transaction, reflecting the log up to
 * {@link #mapEndOffset()}. Persisted by {@link ProducerSnapshotFile} and rebuilt by replaying batch headers (and
 * markers) after the newest snapshot.
 *
 * <p>Transactions (KIP-98): a transactional data batch of a producer with no ongoing transaction starts one at its
 * base offset; a COMMIT or ABORT marker (control batch) ends it. Also kept: transactions completed by a live append
 * whose marker the high watermark has not yet passed ({@link #unstable()}), so the last stable offset does not move
 * past a transaction's data before its outcome is committed, as in Kafka.
 *
 * <p>Leader appends are checked as Kafka's ProducerAppendInfo does, on an {@link Update} working copy that is
 * committed only once the append is written, so a rejected or failed append leaves no trace.
 *
 * <p>Thread-safety: none; the partition lock serializes all access.
 */
public final class ProducerStateManager {

    /** A transaction that keeps the last stable offset at or below its first offset; {@code lastOffset} -1 if ongoing. */
    record UnstableTxn(long producerId, long firstOffset, long lastOffset) {
        boolean ongoing() {
            return lastOffset < 0;
        }
    }

    private final Map<Long, ProducerStateEntry> producers = new HashMap<>();
    /** Ongoing transactions: first offset -> producer id. */
    private final TreeMap<Long, Long> ongoing = new TreeMap<>();
    /** Completed by a live append, marker not yet below the high watermark: first offset -> txn. */
    private final TreeMap<Long, CompletedTxn> unreplicated = new TreeMap<>();
    private long mapEndOffset;

    /** Offset up to which (exclusive) the state reflects the log. */
    public long mapEndOffset() {
        return mapEndOffset;
    }

    public Optional<ProducerStateEntry> entry(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    /** A copy of all entries. */
    public Map<Long, ProducerStateEntry> entries() {
        return Map.copyOf(producers);
    }

    /** First offset of the earliest ongoing transaction, or empty if none is ongoing. */
    OptionalLong firstOngoingOffset() {
        return ongoing.isEmpty() ? OptionalLong.empty() : OptionalLong.of(ongoing.firstKey());
    }

    /** The transaction index entry of aborted transaction {@code t}, just after its marker was committed here. */
    AbortedTxn indexEntry(CompletedTxn t) {
        return new AbortedTxn(t.producerId(), t.firstOffset(), t.lastOffset(),
                firstOngoingOffset().orElse(t.lastOffset() + 1));
    }

    /** Ongoing and unreplicated completed transactions, by first offset (a copy). */
    List<UnstableTxn> unstable() {
        List<UnstableTxn> out = new ArrayList<>(ongoing.size() + unreplicated.size());
        ongoing.forEach((first, pid) -> out.add(new UnstableTxn(pid, first, -1)));
        unreplicated.values().forEach(t -> out.add(new UnstableTxn(t.producerId(), t.firstOffset(), t.lastOffset())));
        out.sort((a, b) -> Long.compare(a.firstOffset(), b.firstOffset()));
        return out;
    }

    /** Forgets completed transactions whose marker is below {@code highWatermark}; true if any was. */
    boolean onHighWatermark(long highWatermark) {
        return unreplicated.values().removeIf(t -> t.lastOffset() < highWatermark);
    }

    /** Replaces the state, e.g. with a loaded snapshot taken at {@code endOffset}. */
    void reset(Map<Long, ProducerStateEntry> entries, long endOffset) {
        producers.clear();
        producers.putAll(entries);
        ongoing.clear();
        unreplicated.clear();
        producers.values().forEach(e -> {
            if (e.hasOngoingTxn()) {
                ongoing.put(e.currentTxnFirstOffset(), e.producerId());
            }
        });
        mapEndOffset = endOffset;
    }

    Update newUpdate() {
        return new Update();
    }

    /**
     * Applies a written append.
     *
     * @param live whether the append just happened (leader or follower), so its completed transactions stay unstable
     *             until the high watermark passes their markers; false for replay
     * @return the transactions its markers completed, in log order
     */
    List<CompletedTxn> commit(Update update, long endOffset, boolean live) {
        update.updated.forEach((pid, entry) -> {
            ProducerStateEntry old = producers.put(pid, entry);
            if (old != null && old.hasOngoingTxn() && old.currentTxnFirstOffset() != entry.currentTxnFirstOffset()) {
                ongoing.remove(old.currentTxnFirstOffset());
            }
            if (entry.hasOngoingTxn()) {
                ongoing.put(entry.currentTxnFirstOffset(), pid);
            }
        });
        if (live) {
            update.completed.forEach(t -> unreplicated.put(t.firstOffset(), t));
        }
        mapEndOffset = Math.max(mapEndOffset, endOffset);
        return update.completed;
    }

    /**
     * A working copy of the producer entries touched by one append. Checks run against earlier batches of the
     * same append as well as the committed state.
     */
    final class Update {
        private final Map<Long, ProducerStateEntry> updated = new HashMap<>();
        private final List<CompletedTxn> completed = new ArrayList<>();

        private ProducerStateEntry current(long producerId) {
            ProducerStateEntry e = updated.get(producerId);
            return e != null ? e : producers.get(producerId);
        }

        /**
         * The committed batch that {@code header} retries, if any (Kafka compares with committed state only).
         */
        Optional<BatchMetadata> findDuplicate(RecordBatchHeader header) {
            ProducerStateEntry e = producers.get(header.producerId());
            if (e == null) {
                return Optional.empty();
            }
            return e.findDuplicate(header.producerEpoch(), header.baseSequence(), header.lastSequence());
        }

        /**
         * Validates a batch appended by a client and records it.
         *
         * @throws InvalidProducerEpochException if the epoch is older than the producer's current one
         * @throws OutOfOrderSequenceException   if the sequence does not continue the producer's last one
         */
        void appendAsLeader(RecordBatchHeader header, long firstOffset, long lastOffset, long timestamp) {
            long pid = header.producerId();
            short epoch = header.producerEpoch();
            int firstSeq = header.baseSequence();
            ProducerStateEntry current = current(pid);
            if (current != null) {
                checkEpoch(pid, epoch, current, firstOffset);
                if (epoch > current.epoch()) {
                    if (firstSeq != 0) {
                        throw new OutOfOrderSequenceException("Invalid sequence number for new epoch " + epoch
                                + " of producer " + pid + ": " + firstSeq + " (a new epoch starts at 0)");
                    }
                } else if (!current.batches().isEmpty() && !inSequence(current.lastSeq(), firstSeq)) {
                    throw new OutOfOrderSequenceException("Out of order sequence number for producer " + pid
                            + " at offset " + firstOffset + ": " + firstSeq + " (incoming seq. number), "
                            + current.lastSeq() + " (current end sequence number)");
                }
            }
            // An unknown producer (state expired or lost) may continue at any sequence, as in Kafka >= 2.5.
            record(header, firstOffset, lastOffset, timestamp);
        }

        /**
         * Records a batch the broker writes for a coordinator (Kafka's AppendOrigin.COORDINATOR): its sequence is not
         * checked, only that its epoch is not older than the producer's.
         */
        void appendForCoordinator(RecordBatchHeader header, long firstOffset, long lastOffset, long timestamp) {
            ProducerStateEntry current = current(header.producerId());
            if (current != null) {
                checkEpoch(header.producerId(), header.producerEpoch(), current, firstOffset);
            }
            record(header, firstOffset, lastOffset, timestamp);
        }

        /** Records a batch without checks: replication and replay trust what the leader accepted. */
        void appendUnchecked(RecordBatchHeader header, long firstOffset, long lastOffset, long timestamp) {
            record(header, firstOffset, lastOffset, timestamp);
        }

        /**
         * Records an end-transaction marker at {@code offset}, ending the producer's ongoing transaction (if it has none
         * here, the completed transaction is just the marker: the coordinator writes markers to every partition of a
         * transaction, and retries them).
         *
         * @param check refuse fenced markers (leader appends); replication and replay trust the leader
         * @throws InvalidProducerEpochException         if the marker's producer epoch is older than the producer's
         * @throws TransactionCoordinatorFencedException if its coordinator epoch is older than the last marker's
         */
        void appendMarker(RecordBatchHeader header, TxnMarker marker, long offset, long timestamp, boolean check) {
            long pid = header.producerId();
            short epoch = header.producerEpoch();
            ProducerStateEntry current = current(pid);
            if (check && current != null) {
                checkEpoch(pid, epoch, current, offset);
                if (marker.coordinatorEpoch() < current.coordinatorEpoch()) {
                    throw new TransactionCoordinatorFencedException("Transaction marker of producer " + pid
                            + " comes from coordinator epoch " + marker.coordinatorEpoch() + ", older than "
                            + current.coordinatorEpoch() + ": a newer coordinator took over");
                }
            }
            ProducerStateEntry base = current != null ? current : new ProducerStateEntry(pid, epoch, List.of());
            long first = base.hasOngoingTxn() ? base.currentTxnFirstOffset() : offset;
            updated.put(pid, base.withMarker(epoch, marker.coordinatorEpoch(), timestamp));
            completed.add(new CompletedTxn(pid, first, offset, !marker.commit()));
        }

        private void checkEpoch(long pid, short epoch, ProducerStateEntry current, long offset) {
            if (epoch < current.epoch()) {
                throw new InvalidProducerEpochException("Epoch of producer " + pid + " at offset " + offset
                        + " is " + epoch + ", older than its current epoch " + current.epoch()
                        + ": a newer producer instance fenced this one");
            }
        }

        private void record(RecordBatchHeader header, long firstOffset, long lastOffset, long timestamp) {
            long pid = header.producerId();
            ProducerStateEntry current = current(pid);
            ProducerStateEntry base = current != null ? current : new ProducerStateEntry(pid, header.producerEpoch(), List.of());
            BatchMetadata batch = new BatchMetadata(header.baseSequence(), header.lastSequence(), firstOffset, lastOffset,
                    timestamp);
            updated.put(pid, base.withBatch(header.producerEpoch(), batch, header.isTransactional()));
        }
    }

    static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }
}
