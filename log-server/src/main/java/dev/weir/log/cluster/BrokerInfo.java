package dev.weir.log.cluster;

/** A broker as clients see it. {@code rack} may be null. */
public record BrokerInfo(int nodeId, String host, int port, String rack) {}
