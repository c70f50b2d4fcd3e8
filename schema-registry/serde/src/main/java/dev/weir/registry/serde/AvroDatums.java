package dev.weir.registry.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * What the serializer needs from Avro: the schema of a datum, a shared datum writer per schema, and the
 * wire-format encoding. Thread-safe: the writer cache is a concurrent map and Avro's datum writers hold no
 * per-call state.
 */
final class AvroDatums {

    private static final Schema NULL = Schema.create(Schema.Type.NULL);
    private static final Schema BOOLEAN = Schema.create(Schema.Type.BOOLEAN);
    private static final Schema INT = Schema.create(Schema.Type.INT);
    private static final Schema LONG = Schema.create(Schema.Type.LONG);
    private static final Schema FLOAT = Schema.create(Schema.Type.FLOAT);
    private static final Schema DOUBLE = Schema.create(Schema.Type.DOUBLE);
    private static final Schema STRING = Schema.create(Schema.Type.STRING);
    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    /** A buffered encoder per thread, re-pointed at each call's output stream (saves its 2 KiB buffer). */
    private static final ThreadLocal<BinaryEncoder> ENCODERS = new ThreadLocal<>();

    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();

    /**
     * The Avro schema of a datum: its own for records, enums, fixed and arrays built with Avro's generic or
     * specific API; a primitive schema for {@code null}, Boolean, Integer, Long, Float, Double, CharSequence
     * (string), byte[] and ByteBuffer (bytes), as Confluent's serializer does.
     *
     * @throws SerializationException for any other type
     */
    static Schema schemaOf(Object datum) {
        if (datum == null) {
            return NULL;
        } else if (datum instanceof GenericContainer container) {
            return container.getSchema();
        } else if (datum instanceof CharSequence) {
            return STRING;
        } else if (datum instanceof Integer) {
            return INT;
        } else if (datum instanceof Long) {
            return LONG;
        } else if (datum instanceof byte[] || datum instanceof ByteBuffer) {
            return BYTES;
        } else if (datum instanceof Boolean) {
            return BOOLEAN;
        } else if (datum instanceof Double) {
            return DOUBLE;
        } else if (datum instanceof Float) {
            return FLOAT;
        }
        throw new SerializationException("Unsupported type for Avro serialization: " + datum.getClass().getName()
                + " (use a GenericRecord, a SpecificRecord or null, boolean, int, long, float, double, string, bytes)");
    }

    /** Encodes {@code datum} with {@code schema} behind the 5-byte header for {@code schemaId}. */
    byte[] encode(int schemaId, Schema schema, Object datum) {
        Object value = datum instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : datum;
        DatumWriter<Object> writer = value instanceof SpecificRecord
                ? specificWriters.computeIfAbsent(schema, SpecificDatumWriter::new)
                : genericWriters.computeIfAbsent(schema, GenericDatumWriter::new);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            byte[] header = new byte[WireFormat.HEADER_SIZE];
            WireFormat.writeHeader(header, schemaId);
            out.write(header);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODERS.get());
            ENCODERS.set(encoder);
            writer.write(value, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Error serializing Avro datum with schema id " + schemaId
                    + " (" + schema.getFullName() + "): " + e, e);
        }
    }

    /**
     * Converts {@code datum}, whose schema is {@code from}, to a generic datum of schema {@code to} by Avro
     * schema resolution (fields matched by name, defaults filled in, promotions applied), so that it can be
     * written with {@code to}. Used by {@code use.latest.version} when the datum's schema is not the latest.
     *
     * @throws SerializationException if {@code to} cannot read data written with {@code from}
     */
    Object convert(Object datum, Schema from, Schema to) {
        Object value = datum instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : datum;
        DatumWriter<Object> writer = value instanceof SpecificRecord
                ? specificWriters.computeIfAbsent(from, SpecificDatumWriter::new)
                : genericWriters.computeIfAbsent(from, GenericDatumWriter::new);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(value, encoder);
            encoder.flush();
            return new GenericDatumReader<>(from, to).read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Datum of schema " + from.getFullName()
                    + " cannot be converted to the subject's latest schema: " + e, e);
        }
    }
}
