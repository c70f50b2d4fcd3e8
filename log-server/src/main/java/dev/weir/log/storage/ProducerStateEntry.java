package dev.weir.log.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * State of one idempotent or transactional producer in one partition. Immutable.
 *
 * @param epoch                 the producer's current epoch
 * @param batches               its latest data batches, oldest first, for duplicate and sequence checks
 * @param coordinatorEpoch      epoch of the transaction coordinator that wrote its last marker here, or -1
 * @param currentTxnFirstOffset offset of the first batch of its ongoing transaction, or -1 if none is ongoing
 * @param lastTimestamp         timestamp of its last batch or marker, or -1
 */
public record ProducerStateEntry(long producerId, short epoch, List<BatchMetadata> batches, int coordinatorEpoch,
                                 long currentTxnFirstOffset, long lastTimestamp) {

    /** Kafka brokers remember the last 5 batches: a producer has at most 5 requests in flight per connection. */
    public static final int NUM_BATCHES_TO_RETAIN = 5;
    public static final int NO_COORDINATOR_EPOCH = -1;
    public static final long NO_TXN = -1L;

    public ProducerStateEntry {
        batches = List.copyOf(batches);
    }

    /** An idempotent producer's entry: no transaction, no coordinator, last timestamp from its last batch. */
    public ProducerStateEntry(long producerId, short epoch, List<BatchMetadata> batches) {
        this(producerId, epoch, batches, NO_COORDINATOR_EPOCH, NO_TXN,
                batches.isEmpty() ? RecordBatchHeader.NO_TIMESTAMP : batches.get(batches.size() - 1).timestamp());
    }

    /** Sequence of the last record appended, or -1 if no batch is known. */
    public int lastSeq() {
        return batches.isEmpty() ? RecordBatchHeader.NO_SEQUENCE : batches.get(batches.size() - 1).lastSeq();
    }

    public boolean hasOngoingTxn() {
        return currentTxnFirstOffset >= 0;
    }

    /** The cached batch with exactly this sequence range under this epoch: a retry of it. */
    public Optional<BatchMetadata> findDuplicate(short batchEpoch, int firstSeq, int lastSeq) {
        if (batchEpoch != epoch) {
            return Optional.empty();
        }
        return batches.stream().filter(b -> b.firstSeq() == firstSeq && b.lastSeq() == lastSeq).findFirst();
    }

    /**
     * This entry after appending {@code batch} under {@code newEpoch}; a new epoch forgets older batches. A
     * transactional batch starts a transaction unless one is ongoing.
     */
    public ProducerStateEntry withBatch(short newEpoch, BatchMetadata batch, boolean transactional) {
        List<BatchMetadata> next = new ArrayList<>(newEpoch == epoch ? batches : List.of());
        next.add(batch);
        while (next.size() > NUM_BATCHES_TO_RETAIN) {
            next.remove(0);
        }
        long txnFirst = transactional && currentTxnFirstOffset < 0 ? batch.firstOffset() : currentTxnFirstOffset;
        return new ProducerStateEntry(producerId, newEpoch, next, coordinatorEpoch, txnFirst, batch.timestamp());
    }

    /** This entry after a marker ended its transaction: epoch raised if the marker's is newer (batches forgotten). */
    public ProducerStateEntry withMarker(short markerEpoch, int markerCoordinatorEpoch, long timestamp) {
        boolean newEpoch = markerEpoch > epoch;
        return new ProducerStateEntry(producerId, newEpoch ? markerEpoch : epoch, newEpoch ? List.of() : batches,
                markerCoordinatorEpoch, NO_TXN, timestamp);
    }
}
