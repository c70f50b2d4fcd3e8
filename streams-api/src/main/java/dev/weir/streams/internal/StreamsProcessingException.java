package dev.weir.streams.internal;

/** A record could not be deserialized or processed; the message names the task, topic, partition and offset. */
public final class StreamsProcessingException extends RuntimeException {
    public StreamsProcessingException(String message, Throwable cause) {
        super(message, cause);
    }
}
