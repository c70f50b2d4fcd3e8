package dev.weir.log.storage;

/**
 * A transaction ended by a marker in this partition.
 *
 * @param firstOffset offset of its first batch here, or the marker's offset if it wrote nothing here
 * @param lastOffset  offset of the marker
 */
record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
}
