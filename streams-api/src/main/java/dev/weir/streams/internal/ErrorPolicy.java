package dev.weir.streams.internal;

/**
 * What a task does with a record it cannot deserialize or process, and a thread with an output write
 * that fails: fail (stop, the default) or log and continue with the next record. With a dead-letter
 * topic, every such input record is also written there, its original key and value bytes unchanged
 * and the error in {@code __streams.errors.*} headers (exception, message, stacktrace, topic,
 * partition, offset), before failing or continuing.
 */
public record ErrorPolicy(boolean continueOnDeserialization, boolean continueOnProcessing,
                          boolean continueOnProduction, String deadLetterTopic) {
    public static final ErrorPolicy FAIL = new ErrorPolicy(false, false, false, null);
}
