package dev.weir.log.storage;

import java.nio.ByteBuffer;

/**
 * The record-level work of compaction, which needs to decode (and re-encode, possibly compressed) records that
 * storage treats as opaque. Implemented outside the storage package, with kafka-clients. Implementations must be
 * thread-safe and must not modify the input buffers' content.
 */
public interface CompactionCodec {

    /**
     * Calls {@code visitor} for every record of the data batches (control batches are skipped) in offset order.
     *
     * @param batches whole v2 record batches, from position to limit
     */
    void forEachRecord(ByteBuffer batches, RecordVisitor visitor);

    /**
     * Rewrites batches keeping only the records {@code retention} accepts, as Kafka's cleaner does: a batch that keeps
     * all its records and needs no new delete horizon is copied unchanged; otherwise it is rebuilt with the same base
     * offset, producer id, epoch, base sequence, leader epoch, timestamp type and compression. A batch that keeps a
     * tombstone and has no delete horizon yet gets {@code nowMs + deleteRetentionMs} as its horizon (attribute bit 6,
     * stored in the base timestamp field). A batch left without records is dropped unless
     * {@link RecordRetention#keepEmptyBatch} says otherwise, in which case only its header remains. Control batches
     * are kept whole.
     *
     * @param batches whole v2 record batches, from position to limit
     * @return the kept batches, from position 0 to limit
     */
    ByteBuffer filter(ByteBuffer batches, RecordRetention retention, long nowMs, long deleteRetentionMs);

    /** Receives the records of a batch. */
    interface RecordVisitor {
        /**
         * @param key       the record key (a view valid only during the call), or null for a record without key
         * @param offset    the record's offset
         * @param tombstone whether the record has a null value
         */
        void record(ByteBuffer key, long offset, boolean tombstone);
    }

    /** Decides, record by record, what a rewrite keeps. */
    interface RecordRetention {
        /**
         * @param key             the record key (a view valid only during the call), or null for a record without key
         * @param offset          the record's offset
         * @param tombstone       whether the record has a null value
         * @param deleteHorizonMs the batch's delete horizon, or -1 if it has none yet
         */
        boolean retain(ByteBuffer key, long offset, boolean tombstone, long deleteHorizonMs);

        /** Whether a batch of this producer ending at {@code lastOffset} is kept (empty) when no record is retained. */
        boolean keepEmptyBatch(long producerId, long lastOffset);
    }
}
