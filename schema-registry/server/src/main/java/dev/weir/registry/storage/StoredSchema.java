package dev.weir.registry.storage;

import java.util.List;

/**
 * One version of a subject as stored in the store topic. Immutable.
 *
 * @param schemaType "AVRO" (the only type this registry accepts)
 * @param deleted    true after a soft delete: hidden from listings, but its id still resolves
 */
public record StoredSchema(String subject, int version, int id, String schemaType, String schema,
                           List<SchemaReference> references, boolean deleted) {
    public StoredSchema {
        references = List.copyOf(references);
    }

    public StoredSchema asDeleted() {
        return new StoredSchema(subject, version, id, schemaType, schema, references, true);
    }
}
