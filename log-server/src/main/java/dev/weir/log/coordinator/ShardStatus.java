package dev.weir.log.coordinator;

import dev.weir.log.protocol.ErrorCode;

/** Where a coordinator shard is in its life: replaying its partition, serving, or given up with the leadership. */
public enum ShardStatus {
    LOADING, ACTIVE, UNLOADED;

    /** NONE while serving, else the error that tells the client to retry (loading) or look again (unloaded). */
    public ErrorCode availability() {
        return switch (this) {
            case ACTIVE -> ErrorCode.NONE;
            case LOADING -> ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
            case UNLOADED -> ErrorCode.NOT_COORDINATOR;
        };
    }
}
