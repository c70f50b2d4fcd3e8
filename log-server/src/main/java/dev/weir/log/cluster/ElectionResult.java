package dev.weir.log.cluster;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.EligibleLeadersNotAvailableException;
import org.apache.kafka.common.errors.PreferredLeaderNotAvailableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What an admin-requested leader election (ElectLeaders, KIP-460) did to one partition: elected a
 * leader ({@code failure} null) or, with Kafka's per-partition error, why not. Plain values, so the
 * controller can send it back to the asking broker with Java serialization.
 */
public record ElectionResult(String topic, int partition, Failure failure, String message) implements Serializable {

    /** Kafka's per-partition errors of ElectLeaders. */
    public enum Failure {
        UNKNOWN_TOPIC_OR_PARTITION,
        /** The preferred replica already leads (PREFERRED), or the partition has a leader (UNCLEAN). */
        ELECTION_NOT_NEEDED,
        /** PREFERRED: the preferred replica is not live or not in the ISR. */
        PREFERRED_LEADER_NOT_AVAILABLE,
        /** UNCLEAN: no replica of the partition is live. */
        ELIGIBLE_LEADERS_NOT_AVAILABLE
    }

    public static ElectionResult elected(TopicPartition tp) {
        return new ElectionResult(tp.topic(), tp.partition(), null, null);
    }

    public static ElectionResult failed(TopicPartition tp, Failure failure, String message) {
        return new ElectionResult(tp.topic(), tp.partition(), failure, message);
    }

    /** The results as {@link MetadataStore#electLeaders} answers them, in their order. */
    public static Map<TopicPartition, Optional<ApiException>> asMap(List<ElectionResult> results) {
        Map<TopicPartition, Optional<ApiException>> out = new LinkedHashMap<>();
        results.forEach(r -> out.put(r.topicPartition(), r.error()));
        return out;
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** Empty when a leader was elected, else the Kafka exception a client sees. */
    public Optional<ApiException> error() {
        if (failure == null) {
            return Optional.empty();
        }
        return Optional.of(switch (failure) {
            case UNKNOWN_TOPIC_OR_PARTITION -> new UnknownTopicOrPartitionException(message);
            case ELECTION_NOT_NEEDED -> new ElectionNotNeededException(message);
            case PREFERRED_LEADER_NOT_AVAILABLE -> new PreferredLeaderNotAvailableException(message);
            case ELIGIBLE_LEADERS_NOT_AVAILABLE -> new EligibleLeadersNotAvailableException(message);
        });
    }
}
