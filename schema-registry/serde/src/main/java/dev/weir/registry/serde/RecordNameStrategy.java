package dev.weir.registry.serde;

import org.apache.avro.Schema;

/**
 * Subject = the fully-qualified name of the record (for a primitive, its type name such as {@code string}),
 * whatever the topic: a topic may then hold several record types, each evolving on its own across topics.
 */
public final class RecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return schema.getFullName();
    }
}
