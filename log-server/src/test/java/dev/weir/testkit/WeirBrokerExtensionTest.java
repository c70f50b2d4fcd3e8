package dev.weir.testkit;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit 5 extension: one broker for the class, injected as EmbeddedBroker or KafkaEndpoint. */
@Tag("fast")
class WeirBrokerExtensionTest {

    @RegisterExtension
    static final WeirBrokerExtension KAFKA = WeirBrokerExtension.single(Map.of("num.partitions", "2"));

    static EmbeddedBroker startedForAll;

    @BeforeAll
    static void injectedBeforeAll(EmbeddedBroker broker) {
        startedForAll = broker;
    }

    @Test
    void injectsTheBrokerItRunsForTheWholeClass(EmbeddedBroker broker, KafkaEndpoint endpoint) {
        assertSame(startedForAll, broker);
        assertSame(KAFKA.broker(), broker);
        assertSame(broker, endpoint);
        assertEquals(broker.bootstrap(), KAFKA.bootstrap());
        assertThrows(IllegalStateException.class, KAFKA::cluster);
    }

    @Test
    void theInjectedBrokerServesClientsWithTheExtensionsOverrides(EmbeddedBroker broker) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("injected", "k", "v")).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "extension-test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.subscribe(List.of("injected"));
            assertEquals("v", ReadToEnd.consume(consumer, 1, Duration.ofSeconds(30)).get(0).value());
            assertEquals(2, consumer.partitionsFor("injected").size(), "num.partitions from the extension's overrides");
        }
    }
}
