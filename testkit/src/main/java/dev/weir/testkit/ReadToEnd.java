package dev.weir.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reading a consumer until it has read what a test expects, failing the test (not hanging) when it does not. */
public final class ReadToEnd {
    private ReadToEnd() {}

    /**
     * Polls an assigned consumer until its position reaches the end offset (as of the call) of every partition;
     * 30 s at most.
     */
    public static <K, V> List<ConsumerRecord<K, V>> readToEnd(KafkaConsumer<K, V> consumer, List<TopicPartition> tps) {
        Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(10));
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (tps.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(10)) < end.get(tp))) {
            assertTrue(System.nanoTime() < deadline, "read to the end offsets " + end + " within 30 s");
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    /**
     * Polls a subscribed or assigned consumer until it has returned at least {@code count} records and returns
     * them all (possibly more than {@code count}, as polls return batches); fails the test after {@code timeout}.
     */
    public static <K, V> List<ConsumerRecord<K, V>> consume(KafkaConsumer<K, V> consumer, int count, Duration timeout) {
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < count) {
            assertTrue(System.nanoTime() < deadline, "consumed " + out.size() + " of " + count + " records within " + timeout);
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }
}
