package dev.weir.log.protocol;

import org.apache.kafka.common.protocol.Errors;

/**
 * The Kafka error codes Weir answers with. Handlers use these instead of kafka-clients'
 * {@link Errors} so that every use of kafka-clients' protocol internals stays in this package.
 * The codes are part of the wire protocol and never change; only their Java home might.
 */
public enum ErrorCode {
    NONE(Errors.NONE),
    UNKNOWN_SERVER_ERROR(Errors.UNKNOWN_SERVER_ERROR),
    OFFSET_OUT_OF_RANGE(Errors.OFFSET_OUT_OF_RANGE),
    CORRUPT_MESSAGE(Errors.CORRUPT_MESSAGE),
    UNKNOWN_TOPIC_OR_PARTITION(Errors.UNKNOWN_TOPIC_OR_PARTITION),
    INVALID_FETCH_SIZE(Errors.INVALID_FETCH_SIZE),
    LEADER_NOT_AVAILABLE(Errors.LEADER_NOT_AVAILABLE),
    NOT_LEADER_OR_FOLLOWER(Errors.NOT_LEADER_OR_FOLLOWER),
    REQUEST_TIMED_OUT(Errors.REQUEST_TIMED_OUT),
    MESSAGE_TOO_LARGE(Errors.MESSAGE_TOO_LARGE),
    INVALID_TOPIC_EXCEPTION(Errors.INVALID_TOPIC_EXCEPTION),
    RECORD_LIST_TOO_LARGE(Errors.RECORD_LIST_TOO_LARGE),
    NOT_ENOUGH_REPLICAS(Errors.NOT_ENOUGH_REPLICAS),
    INVALID_REQUIRED_ACKS(Errors.INVALID_REQUIRED_ACKS),
    INVALID_TIMESTAMP(Errors.INVALID_TIMESTAMP),
    UNSUPPORTED_VERSION(Errors.UNSUPPORTED_VERSION),
    TOPIC_ALREADY_EXISTS(Errors.TOPIC_ALREADY_EXISTS),
    INVALID_PARTITIONS(Errors.INVALID_PARTITIONS),
    INVALID_REPLICATION_FACTOR(Errors.INVALID_REPLICATION_FACTOR),
    INVALID_REQUEST(Errors.INVALID_REQUEST),
    INVALID_CONFIG(Errors.INVALID_CONFIG),
    NOT_CONTROLLER(Errors.NOT_CONTROLLER),
    UNSUPPORTED_FOR_MESSAGE_FORMAT(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT),
    POLICY_VIOLATION(Errors.POLICY_VIOLATION),
    OUT_OF_ORDER_SEQUENCE_NUMBER(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER),
    INVALID_PRODUCER_EPOCH(Errors.INVALID_PRODUCER_EPOCH),
    PRODUCER_FENCED(Errors.PRODUCER_FENCED),
    INVALID_TXN_STATE(Errors.INVALID_TXN_STATE),
    TRANSACTION_COORDINATOR_FENCED(Errors.TRANSACTION_COORDINATOR_FENCED),
    TRANSACTIONAL_ID_AUTHORIZATION_FAILED(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
    COORDINATOR_NOT_AVAILABLE(Errors.COORDINATOR_NOT_AVAILABLE),
    UNKNOWN_TOPIC_ID(Errors.UNKNOWN_TOPIC_ID),
    INCONSISTENT_TOPIC_ID(Errors.INCONSISTENT_TOPIC_ID),
    INVALID_RECORD(Errors.INVALID_RECORD),
    UNKNOWN_LEADER_EPOCH(Errors.UNKNOWN_LEADER_EPOCH),
    FENCED_LEADER_EPOCH(Errors.FENCED_LEADER_EPOCH),
    RESOURCE_NOT_FOUND(Errors.RESOURCE_NOT_FOUND),
    KAFKA_STORAGE_ERROR(Errors.KAFKA_STORAGE_ERROR),
    THROTTLING_QUOTA_EXCEEDED(Errors.THROTTLING_QUOTA_EXCEEDED),
    TOPIC_DELETION_DISABLED(Errors.TOPIC_DELETION_DISABLED),
    UNSUPPORTED_ENDPOINT_TYPE(Errors.UNSUPPORTED_ENDPOINT_TYPE),
    // Group coordination and committed offsets.
    COORDINATOR_LOAD_IN_PROGRESS(Errors.COORDINATOR_LOAD_IN_PROGRESS),
    NOT_COORDINATOR(Errors.NOT_COORDINATOR),
    ILLEGAL_GENERATION(Errors.ILLEGAL_GENERATION),
    INCONSISTENT_GROUP_PROTOCOL(Errors.INCONSISTENT_GROUP_PROTOCOL),
    INVALID_GROUP_ID(Errors.INVALID_GROUP_ID),
    UNKNOWN_MEMBER_ID(Errors.UNKNOWN_MEMBER_ID),
    INVALID_SESSION_TIMEOUT(Errors.INVALID_SESSION_TIMEOUT),
    REBALANCE_IN_PROGRESS(Errors.REBALANCE_IN_PROGRESS),
    OFFSET_METADATA_TOO_LARGE(Errors.OFFSET_METADATA_TOO_LARGE),
    GROUP_MAX_SIZE_REACHED(Errors.GROUP_MAX_SIZE_REACHED),
    MEMBER_ID_REQUIRED(Errors.MEMBER_ID_REQUIRED),
    FENCED_INSTANCE_ID(Errors.FENCED_INSTANCE_ID),
    GROUP_ID_NOT_FOUND(Errors.GROUP_ID_NOT_FOUND),
    NON_EMPTY_GROUP(Errors.NON_EMPTY_GROUP),
    GROUP_SUBSCRIBED_TO_TOPIC(Errors.GROUP_SUBSCRIBED_TO_TOPIC),
    UNSTABLE_OFFSET_COMMIT(Errors.UNSTABLE_OFFSET_COMMIT),
    INVALID_COMMIT_OFFSET_SIZE(Errors.INVALID_COMMIT_OFFSET_SIZE);

    private final Errors errors;

    ErrorCode(Errors errors) {
        this.errors = errors;
    }

    public short code() {
        return errors.code();
    }

    /** Kafka's default description of this error. */
    public String message() {
        return errors.message();
    }

    /** The enum constant for a wire code (UNKNOWN_SERVER_ERROR for a code Weir does not use). */
    public static ErrorCode forCode(short code) {
        for (ErrorCode e : values()) {
            if (e.code() == code) {
                return e;
            }
        }
        return UNKNOWN_SERVER_ERROR;
    }

    /** The wire code for an exception, mapping kafka-clients' {@code ApiException}s to their codes. */
    public static short of(Throwable t) {
        return Errors.forException(unwrap(t)).code();
    }

    /** The exception's message when it is an API error worth showing a client, else the code's default. */
    public static String messageOf(Throwable t) {
        Throwable cause = unwrap(t);
        Errors e = Errors.forException(cause);
        return e == Errors.UNKNOWN_SERVER_ERROR || cause.getMessage() == null ? e.message() : cause.getMessage();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof java.util.concurrent.CompletionException
                || cur instanceof java.util.concurrent.ExecutionException) && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }
}
