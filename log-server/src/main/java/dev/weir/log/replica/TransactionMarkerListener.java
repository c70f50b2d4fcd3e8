package dev.weir.log.replica;

/**
 * Told about every COMMIT or ABORT marker appended to a partition this broker leads, after the append
 * (registered with {@code ReplicaManager.addTransactionMarkerListener}). The group coordinator listens to
 * materialize or drop transactional offset commits of {@code __consumer_offsets}.
 *
 * <p>Defined identically on the {@code txn-log} branch, which appends the markers and calls the
 * listeners; this copy lets the group coordinator compile against it before that branch is merged.
 * Implementations must be quick and must not block: they run on the thread that appended the marker.
 */
@FunctionalInterface
public interface TransactionMarkerListener {
    void onMarker(TransactionMarker marker);
}
