package dev.weir.streams.processor;

import dev.weir.streams.TaskId;
import dev.weir.streams.state.KeyValueStore;
import java.time.Duration;

/** What a {@link Processor} sees of its task. Valid from {@code init} on; use from the task's thread only. */
public interface ProcessorContext<KOut, VOut> {
    /** Sends a record to every downstream operation. */
    void forward(Record<? extends KOut, ? extends VOut> record);

    /** Sends a record to the named downstream operation only. */
    void forward(Record<? extends KOut, ? extends VOut> record, String childName);

    /** A store connected to this processor ({@code process(supplier, "store", ...)}). */
    <K, V> KeyValueStore<K, V> getStateStore(String name);

    /**
     * Calls {@code punctuator} every {@code interval} of stream time or wall-clock time. Stream-time
     * punctuation fires at most once per record even if stream time jumped several intervals.
     */
    Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator);

    String applicationId();

    TaskId taskId();

    /** The largest record timestamp the task has processed (Long.MIN_VALUE before the first). */
    long currentStreamTimeMs();

    long currentSystemTimeMs();

    /** Topic, partition and offset of the record being processed; null inside a punctuation. */
    RecordMetadata recordMetadata();

    /** Where the current record was read from. */
    record RecordMetadata(String topic, int partition, long offset) {
    }
}
