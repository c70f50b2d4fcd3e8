package dev.weir.streams.processor;

/** Cancels a scheduled punctuation. */
@FunctionalInterface
public interface Cancellable {
    void cancel();
}
