package dev.weir.streams.internal;

import dev.weir.streams.TaskId;
import dev.weir.streams.processor.Cancellable;
import dev.weir.streams.processor.PunctuationType;
import dev.weir.streams.processor.Punctuator;
import dev.weir.streams.state.KeyValueStore;

/** What a processor node sees of its task while it processes one record. */
public interface NodeContext {
    /** Sends the record to every child of the current node. */
    void forward(Rec record);

    /** Sends the record to the named child only (split branches). */
    void forward(Rec record, String childName);

    <K, V> KeyValueStore<K, V> store(String name);

    String applicationId();

    /** Counts a record dropped because every window it belongs to had closed. */
    void recordLateDrop();

    TaskId taskId();

    /** Schedules a punctuation of this node (see {@code ProcessorContext.schedule}). */
    Cancellable schedule(long intervalMs, PunctuationType type, Punctuator punctuator);

    /** The largest record timestamp this task has processed; never goes backwards. */
    long streamTime();

    /** Wall-clock time as the runtime (or the test driver's controllable clock) sees it. */
    long wallClockTime();

    /** Source topic of the record being processed (the real name, application id prefixed if internal). */
    String topic();

    int partition();

    long offset();
}
