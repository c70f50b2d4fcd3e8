package dev.weir.streams.test;

import dev.weir.streams.Topology;

/** Join topologies shared by the driver tests and the cluster tests. */
public final class StreamTableJoinTestTopologies {
    private StreamTableJoinTestTopologies() {
    }

    public static Topology enrichment() {
        return StreamTableJoinTest.enrichment();
    }
}
