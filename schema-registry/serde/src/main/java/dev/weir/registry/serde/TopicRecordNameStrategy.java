package dev.weir.registry.serde;

import org.apache.avro.Schema;

/**
 * Subject = {@code <topic>-<fully-qualified record name>}: several record types per topic, each evolving
 * separately within that topic.
 */
public final class TopicRecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return topic + "-" + schema.getFullName();
    }
}
