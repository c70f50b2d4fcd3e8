package dev.weir.registry.serde;

import org.apache.avro.Schema;

/**
 * One version of a subject as the registry reports it: {@code GET /subjects/{s}/versions/latest} or
 * {@code POST /subjects/{s}}.
 *
 * @param subject the subject
 * @param version the version within the subject, from 1
 * @param id      the global schema id, the one written in the wire format
 * @param schema  the parsed schema
 */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
}
