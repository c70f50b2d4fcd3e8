package dev.weir.streams;

/**
 * A record could not be deserialized or processed. The message names the task, topic, partition and
 * offset of the record; the cause is what the serde or the operation threw.
 */
public final class StreamsException extends RuntimeException {
    public StreamsException(String message, Throwable cause) {
        super(message, cause);
    }
}
