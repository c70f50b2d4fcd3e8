package dev.weir.registry.serde;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * Chooses the registry subject under which the schema of a key or value written to a topic is registered
 * and looked up. Implementations must be stateless or thread-safe and have a public no-arg constructor.
 */
@FunctionalInterface
public interface SubjectNameStrategy {

    /**
     * @param topic  the topic being written
     * @param isKey  true for the record key, false for its value
     * @param schema the schema of the datum (a primitive's schema for primitives)
     */
    String subjectName(String topic, boolean isKey, Schema schema);

    /**
     * Resolves a {@code key.subject.name.strategy}/{@code value.subject.name.strategy} setting: a class name of
     * an implementation of this interface, or the simple name or Confluent class name of one of the three
     * standard strategies ({@code TopicNameStrategy}, {@code RecordNameStrategy},
     * {@code TopicRecordNameStrategy}, also as {@code io.confluent.kafka.serializers.subject.*}).
     */
    static SubjectNameStrategy forName(String name) {
        String simple = name.substring(name.lastIndexOf('.') + 1);
        Map<String, SubjectNameStrategy> standard = Map.of(
                "TopicNameStrategy", new TopicNameStrategy(),
                "RecordNameStrategy", new RecordNameStrategy(),
                "TopicRecordNameStrategy", new TopicRecordNameStrategy());
        if (standard.containsKey(simple)
                && (name.equals(simple) || name.startsWith("io.confluent.")
                        || name.equals(SubjectNameStrategy.class.getPackageName() + "." + simple))) {
            return standard.get(simple);
        }
        try {
            Class<?> type = Class.forName(name, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : SubjectNameStrategy.class.getClassLoader());
            if (!SubjectNameStrategy.class.isAssignableFrom(type)) {
                throw new ConfigException("Subject name strategy " + name + " does not implement "
                        + SubjectNameStrategy.class.getName());
            }
            return (SubjectNameStrategy) type.getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException
                | IllegalAccessException | InvocationTargetException e) {
            throw new ConfigException("Cannot instantiate subject name strategy " + name + ": " + e);
        }
    }
}
