package dev.weir.streams.processor;

/** What drives a punctuation: the task's stream time (record timestamps) or wall-clock time. */
public enum PunctuationType {
    /** Fires when the task's stream time reaches the next multiple; a task without new records never fires. */
    STREAM_TIME,
    /** Fires by the clock (the runtime's, or the test driver's controllable one), records or not. */
    WALL_CLOCK_TIME
}
