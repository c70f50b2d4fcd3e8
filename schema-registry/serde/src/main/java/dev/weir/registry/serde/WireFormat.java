package dev.weir.registry.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: one magic byte {@value #MAGIC_BYTE}, then the registry's schema id as a 4-byte
 * big-endian int, then the Avro binary encoding of the datum ({@value #HEADER_SIZE} header bytes in all).
 * Stateless; safe for concurrent use.
 */
public final class WireFormat {

    /** The only magic byte defined by the format. */
    public static final byte MAGIC_BYTE = 0;

    /** Magic byte plus schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header at the start of {@code target}, which must be at least {@value #HEADER_SIZE} long. */
    public static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        target[1] = (byte) (schemaId >>> 24);
        target[2] = (byte) (schemaId >>> 16);
        target[3] = (byte) (schemaId >>> 8);
        target[4] = (byte) schemaId;
    }

    /**
     * Returns the schema id of a serialized value.
     *
     * @throws SerializationException if the value is shorter than the header or its magic byte is not 0
     */
    public static int schemaId(byte[] payload) {
        if (payload.length < HEADER_SIZE) {
            throw new SerializationException(
                    "Value of " + payload.length + " bytes is too short for the wire format (needs at least "
                            + HEADER_SIZE + ")");
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerializationException("Unknown magic byte " + payload[0] + " (expected " + MAGIC_BYTE + ")");
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
