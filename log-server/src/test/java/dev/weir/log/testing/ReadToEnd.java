package dev.weir.log.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reading an assigned consumer up to the partitions' current end offsets. */
public final class ReadToEnd {
    private ReadToEnd() {}

    /** Polls until the position reaches the end offset (as of the call) of every partition; 30 s at most. */
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
}
