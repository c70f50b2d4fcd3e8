package dev.weir.registry.avro;

import org.apache.avro.Schema;

/**
 * A parsed Avro schema with its canonical text.
 *
 * @param canonical Avro's own re-serialization ({@link Schema#toString()}): whitespace, attribute order
 *                  and relative names no longer matter; defaults, aliases and docs are kept because they
 *                  change compatibility. Used for identity and, with {@code normalize=true}, as the stored text.
 */
public record ParsedSchema(Schema schema, String canonical) {
}
