package dev.weir.registry.serde;

import org.apache.avro.Schema;

/**
 * The default strategy: subject {@code <topic>-key} or {@code <topic>-value}, so one topic has one key schema
 * lineage and one value schema lineage, whose evolution the registry's compatibility level governs.
 */
public final class TopicNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return topic + (isKey ? "-key" : "-value");
    }
}
