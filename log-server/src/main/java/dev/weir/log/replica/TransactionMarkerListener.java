package dev.weir.log.replica;

/**
 * Told of each end-transaction marker committed on a partition this broker leads, e.g. by the group coordinator to
 * materialize the offsets a transaction committed to a {@code __consumer_offsets} partition (TxnOffsetCommit).
 * Registered with {@link ReplicaManager#addTransactionMarkerListener}.
 */
@FunctionalInterface
public interface TransactionMarkerListener {
    /**
     * Called once per marker appended through {@link ReplicaManager#appendTransactionMarker}, after the high watermark
     * covers it and before the WriteTxnMarkers response is sent, on whatever thread completed the replication wait.
     * Must not block. A coordinator retrying a marker causes a second call for the same producer: implementations must
     * treat a marker without pending state as a no-op. Exceptions are logged and ignored.
     */
    void onTransactionMarker(TransactionMarker marker);
}
