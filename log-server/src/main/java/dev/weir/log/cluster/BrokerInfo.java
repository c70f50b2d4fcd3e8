package dev.weir.log.cluster;

/**
 * A broker as clients see it. {@code rack} may be null. {@code incarnation} tells one run of a broker
 * from the next (its Hazelcast member id; null for a standalone broker), so the controller notices a
 * broker that restarted before its death was detected.
 */
public record BrokerInfo(int nodeId, String host, int port, String rack, String incarnation) {
    public BrokerInfo(int nodeId, String host, int port, String rack) {
        this(nodeId, host, port, rack, null);
    }
}
