package dev.weir.registry.serde;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Chooses the reader schema for a writer schema, per the deserializer's settings, in this order:
 * a configured SpecificRecord type's schema; a configured reader schema; with {@code specific.avro.reader},
 * the schema of the generated class named like the writer's record, enum or fixed; otherwise the writer
 * schema itself. Thread-safe (immutable; {@link SpecificData} caches class look-ups concurrently).
 */
final class ReaderSchemas {

    private final AvroSerdeConfig config;
    private final SpecificData specificData;
    private final Schema fixedReader;

    ReaderSchemas(AvroSerdeConfig config, SpecificData specificData) {
        this.config = config;
        this.specificData = specificData;
        this.fixedReader = config.specificType() != null ? specificData.getSchema(config.specificType())
                : config.readerSchema();
    }

    /** Whether data is read into generated classes rather than GenericRecords. */
    boolean specific() {
        return config.specificAvroReader() || config.specificType() != null;
    }

    Schema readerFor(Schema writer) {
        if (fixedReader != null) {
            return fixedReader;
        }
        if (!config.specificAvroReader()) {
            return writer;
        }
        switch (writer.getType()) {
            case RECORD, ENUM, FIXED -> {
                Class<?> type = specificData.getClass(writer);
                if (type == null) {
                    throw new SerializationException("Could not find class " + writer.getFullName()
                            + " named by the writer's schema, to read it as a SpecificRecord");
                }
                return specificData.getSchema(type);
            }
            default -> {
                return writer;
            }
        }
    }
}
