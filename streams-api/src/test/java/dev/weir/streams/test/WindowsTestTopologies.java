package dev.weir.streams.test;

import dev.weir.streams.Topology;

/** Topologies shared by the driver tests and the cluster tests. */
public final class WindowsTestTopologies {
    private WindowsTestTopologies() {
    }

    /** Tumbling 10 s click counts per key, grace 5 s, final results only, to "clicks-final". */
    public static Topology finalCounts() {
        return WindowsTest.finalCounts(null);
    }
}
