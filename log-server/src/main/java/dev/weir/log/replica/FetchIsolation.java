package dev.weir.log.replica;

/**
 * How far a fetch may read (Kafka's {@code FetchIsolation}): a follower up to the log end, a read_uncommitted
 * consumer up to the high watermark, a read_committed consumer up to the last stable offset.
 */
public enum FetchIsolation {
    LOG_END,
    HIGH_WATERMARK,
    TXN_COMMITTED;

    /** Fetch's {@code isolation_level} value for read_committed. */
    private static final byte READ_COMMITTED = 1;

    /**
     * @param replicaId      the fetching replica, or a negative id for a consumer
     * @param isolationLevel the request's isolation level (0 read_uncommitted, 1 read_committed); ignored for followers
     */
    public static FetchIsolation of(int replicaId, byte isolationLevel) {
        if (replicaId >= 0) {
            return LOG_END;
        }
        return isolationLevel == READ_COMMITTED ? TXN_COMMITTED : HIGH_WATERMARK;
    }
}
