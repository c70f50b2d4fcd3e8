package dev.weir.log.eos;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A consume-transform-produce application, run by {@code ExactlyOnceKillTest} in a child JVM that the test
 * kills with SIGKILL. It reads the input topic with read_committed in a consumer group (static membership,
 * so a restarted incarnation takes over its predecessor's partitions at once) and, for each poll, in one
 * transaction writes one output record per input record ({@link #transform}) and commits the consumed
 * offsets with {@code sendOffsetsToTransaction}. It prints "COMMITTED n" after each committed transaction
 * and, once the group's committed offsets reach the input's end offsets, "DONE" and exits 0.
 *
 * <p>Arguments: bootstrap, input topic, output topic, group id, transactional id.
 */
public final class TransformApp {
    private TransformApp() {}

    /** The output value for an input record. */
    public static String transform(String key, String value) {
        return "out-" + key + "-" + value.length();
    }

    public static void main(String[] args) {
        say("MAIN");
        String bootstrap = args[0];
        String input = args[1];
        String output = args[2];
        String groupId = args[3];
        String transactionalId = args[4];

        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, groupId + "-instance");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);

        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
             KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            say("CLIENTS");
            producer.initTransactions();
            say("INITIALIZED");
            consumer.subscribe(List.of(input));
            Set<TopicPartition> partitions = Set.copyOf(consumer.partitionsFor(input).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList());
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            say("END OFFSETS " + end);
            long committed = 0;
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (done(consumer, partitions, end)) {
                        say("DONE after " + committed);
                        break;
                    }
                    continue;
                }

                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    producer.send(new ProducerRecord<>(output, r.key(), transform(r.key(), r.value())));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                committed += records.count();
                say("COMMITTED " + committed);
            }
        } finally {
            System.out.flush();
        }
    }

    /** Prints a line with the milliseconds since the JVM started. */
    private static void say(String line) {
        System.out.println(line + " @" + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() + "ms");
        System.out.flush();
    }

    private static boolean done(KafkaConsumer<String, String> consumer, Set<TopicPartition> partitions,
            Map<TopicPartition, Long> end) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        return partitions.stream().allMatch(tp -> committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp));
    }
}
