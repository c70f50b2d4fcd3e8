package dev.weir.log.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * State of one idempotent producer in one partition: its epoch and its latest batches, oldest first.
 * Immutable.
 */
public record ProducerStateEntry(long producerId, short epoch, List<BatchMetadata> batches) {

    /** Kafka brokers remember the last 5 batches: a producer has at most 5 requests in flight per connection. */
    public static final int NUM_BATCHES_TO_RETAIN = 5;

    public ProducerStateEntry {
        batches = List.copyOf(batches);
    }

    /** Sequence of the last record appended, or -1 if no batch is known. */
    public int lastSeq() {
        return batches.isEmpty() ? RecordBatchHeader.NO_SEQUENCE : batches.get(batches.size() - 1).lastSeq();
    }

    /** The cached batch with exactly this sequence range under this epoch: a retry of it. */
    public Optional<BatchMetadata> findDuplicate(short batchEpoch, int firstSeq, int lastSeq) {
        if (batchEpoch != epoch) {
            return Optional.empty();
        }
        return batches.stream().filter(b -> b.firstSeq() == firstSeq && b.lastSeq() == lastSeq).findFirst();
    }

    /** This entry after appending {@code batch} under {@code newEpoch}; a new epoch forgets older batches. */
    public ProducerStateEntry withBatch(short newEpoch, BatchMetadata batch) {
        List<BatchMetadata> next = new ArrayList<>(newEpoch == epoch ? batches : List.of());
        next.add(batch);
        while (next.size() > NUM_BATCHES_TO_RETAIN) {
            next.remove(0);
        }
        return new ProducerStateEntry(producerId, newEpoch, next);
    }
}
