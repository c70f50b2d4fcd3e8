package dev.weir.log.cluster.hazelcast;

import dev.weir.log.cluster.ElectionResult;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A metadata change a broker asks the controller to make. Sent between brokers with Java
 * serialization inside a {@link ControllerCall}, so fields are plain serializable values.
 */
sealed interface ControllerCommand extends Serializable {
    record RegisterBroker(int nodeId, String host, int port, String rack, String incarnation) implements ControllerCommand {}

    record CreateTopic(String name, int partitions, int replicationFactor, Map<String, String> configs)
            implements ControllerCommand {}

    record DeleteTopic(String name) implements ControllerCommand {}

    record CreatePartitions(String name, int totalPartitions) implements ControllerCommand {}

    record SetTopicConfigs(String name, Map<String, String> configs) implements ControllerCommand {}

    record AllocateProducerIds(int count) implements ControllerCommand {}

    record AlterPartition(String topic, int partition, int leaderId, int leaderEpoch, int partitionEpoch,
                          List<Integer> isr) implements ControllerCommand {}

    /** {@code targetReplicas} null cancels. */
    record ReassignPartition(String topic, int partition, List<Integer> targetReplicas) implements ControllerCommand {}

    /** Admin-requested leader elections; {@code partitions} (topic to partition indexes) null means all. */
    record ElectLeaders(boolean unclean, Map<String, List<Integer>> partitions) implements ControllerCommand {}

    /**
     * What the controller answers: the image version that holds the change, a value where the command has
     * one, and per-partition results of {@link ElectLeaders} (empty for other commands).
     */
    record Outcome(long version, long value, List<ElectionResult> elections) implements Serializable {
        public Outcome {
            elections = List.copyOf(elections);
        }

        Outcome(long version, long value) {
            this(version, value, List.of());
        }
    }
}
