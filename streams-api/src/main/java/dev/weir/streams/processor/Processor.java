package dev.weir.streams.processor;

/**
 * A user processor for {@code KStream.process}: sees each record, may read and write the stores
 * connected to it, forward any number of records, and schedule punctuations. A new instance is made
 * per task (the supplier must not return a shared one); all calls come from the task's thread.
 */
public interface Processor<KIn, VIn, KOut, VOut> {
    default void init(ProcessorContext<KOut, VOut> context) {
    }

    void process(Record<KIn, VIn> record);

    /** Called when the task closes (its stores are still open). */
    default void close() {
    }
}
