package dev.weir.log.storage;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Idempotent-producer state of one partition: for each producer id, its epoch and last
 * {@link ProducerStateEntry#NUM_BATCHES_TO_RETAIN} batches, reflecting the log up to {@link #mapEndOffset()}.
 * Persisted by {@link ProducerSnapshotFile} and rebuilt by replaying batch headers after the newest snapshot.
 *
 * <p>Leader appends are checked as Kafka's ProducerAppendInfo does, on a {@link Update} working copy that is
 * committed only once the append is written, so a rejected or failed append leaves no trace.
 *
 * <p>Thread-safety: none; the partition lock serializes all access.
 */
public final class ProducerStateManager {

    private final Map<Long, ProducerStateEntry> producers = new HashMap<>();
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

    /** Replaces the state, e.g. with a loaded snapshot taken at {@code endOffset}. */
    void reset(Map<Long, ProducerStateEntry> entries, long endOffset) {
        producers.clear();
        producers.putAll(entries);
        mapEndOffset = endOffset;
    }

    Update newUpdate() {
        return new Update();
    }

    /** Applies a written append. */
    void commit(Update update, long endOffset) {
        producers.putAll(update.updated);
        mapEndOffset = Math.max(mapEndOffset, endOffset);
    }

    /**
     * A working copy of the producer entries touched by one append. Checks run against earlier batches of the
     * same append as well as the committed state.
     */
    final class Update {
        private final Map<Long, ProducerStateEntry> updated = new HashMap<>();

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
                if (epoch < current.epoch()) {
                    throw new InvalidProducerEpochException("Epoch of producer " + pid + " at offset " + firstOffset
                            + " is " + epoch + ", older than its current epoch " + current.epoch()
                            + ": a newer producer instance fenced this one");
                }
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

        /** Records a batch without checks: replication and replay trust what the leader accepted. */
        void appendUnchecked(RecordBatchHeader header, long firstOffset, long lastOffset, long timestamp) {
            record(header, firstOffset, lastOffset, timestamp);
        }

        private void record(RecordBatchHeader header, long firstOffset, long lastOffset, long timestamp) {
            long pid = header.producerId();
            ProducerStateEntry current = current(pid);
            ProducerStateEntry base = current != null ? current : new ProducerStateEntry(pid, header.producerEpoch(), List.of());
            BatchMetadata batch = new BatchMetadata(header.baseSequence(), header.lastSequence(), firstOffset, lastOffset,
                    timestamp);
            updated.put(pid, base.withBatch(header.producerEpoch(), batch));
        }
    }

    static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }
}
