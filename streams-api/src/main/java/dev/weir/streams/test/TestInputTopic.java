package dev.weir.streams.test;

import dev.weir.streams.KeyValue;
import dev.weir.streams.serde.Serde;
import java.time.Instant;
import java.util.List;

/**
 * Writes records into a driver topic (partitioned by key like a producer) and runs the topology until
 * every task is idle. Timestamps default to the driver's wall-clock time.
 */
public final class TestInputTopic<K, V> {
    private final StreamsTestDriver driver;
    private final String topic;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    TestInputTopic(StreamsTestDriver driver, String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        this.driver = driver;
        this.topic = topic;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public void pipeInput(K key, V value) {
        pipeInput(key, value, driver.wallClockTime());
    }

    public void pipeInput(K key, V value, Instant timestamp) {
        pipeInput(key, value, timestamp.toEpochMilli());
    }

    public void pipeInput(K key, V value, long timestampMs) {
        driver.append(topic, null, keySerde.serialize(topic, key), valueSerde.serialize(topic, value), timestampMs);
        driver.runUntilIdle();
    }

    /** Writes to one chosen partition (to test what arrives where). */
    public void pipeInput(int partition, K key, V value, long timestampMs) {
        driver.append(topic, partition, keySerde.serialize(topic, key), valueSerde.serialize(topic, value), timestampMs);
        driver.runUntilIdle();
    }

    /** Appends all records first, then processes: tasks see interleaved partitions as a consumer would. */
    public void pipeKeyValueList(List<KeyValue<K, V>> records) {
        for (KeyValue<K, V> kv : records) {
            driver.append(topic, null, keySerde.serialize(topic, kv.key()), valueSerde.serialize(topic, kv.value()),
                    driver.wallClockTime());
        }
        driver.runUntilIdle();
    }
}
