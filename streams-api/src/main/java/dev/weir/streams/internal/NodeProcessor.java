package dev.weir.streams.internal;

/**
 * The runtime side of one processor node. A new instance is made per task from the node's supplier, so
 * an instance may cache stores obtained in {@link #init}. Called on the task's thread only.
 */
public interface NodeProcessor {
    default void init(NodeContext context) {
    }

    void process(Rec record, NodeContext context);

    /** Called when the task closes, before its stores close. */
    default void close() {
    }
}
