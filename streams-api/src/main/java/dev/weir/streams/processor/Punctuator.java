package dev.weir.streams.processor;

/** A scheduled callback; {@code timestamp} is the stream time or wall-clock time that triggered it. */
@FunctionalInterface
public interface Punctuator {
    void punctuate(long timestamp);
}
