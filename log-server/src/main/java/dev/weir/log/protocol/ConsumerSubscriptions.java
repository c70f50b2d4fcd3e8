package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;

/**
 * Reads the topics out of a member's metadata in the {@code consumer} protocol type (the versioned
 * {@code ConsumerProtocolSubscription} that Java and librdkafka consumers send in JoinGroup). The
 * coordinator otherwise treats protocol metadata as opaque bytes; only OffsetDelete and offset
 * expiry need to know which topics a consumer group reads. Stateless.
 */
public final class ConsumerSubscriptions {
    /** The protocol type of Kafka consumers. */
    public static final String PROTOCOL_TYPE = ConsumerProtocol.PROTOCOL_TYPE;

    private ConsumerSubscriptions() {}

    /** The subscribed topics, or empty when the bytes are not a readable consumer subscription. */
    public static Optional<Set<String>> topics(byte[] metadata) {
        try {
            return Optional.of(Set.copyOf(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata)).topics()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
