package dev.weir.streams.test;

import dev.weir.streams.KeyValue;
import dev.weir.streams.serde.Serde;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Reads a driver topic from where this reader last stopped, across all partitions in the order records
 * were written (the driver is deterministic, so this order is too).
 */
public final class TestOutputTopic<K, V> {
    private final StreamsTestDriver driver;
    private final String topic;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private long position;

    TestOutputTopic(StreamsTestDriver driver, String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        this.driver = driver;
        this.topic = topic;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public List<TestRecord<K, V>> readRecordsToList() {
        List<TestRecord<K, V>> out = new ArrayList<>();
        for (StreamsTestDriver.Stored s : driver.readFrom(topic, position)) {
            out.add(new TestRecord<>(keySerde.deserialize(topic, s.key()), valueSerde.deserialize(topic, s.value()),
                    s.timestamp(), s.partition(), s.headers()));
            position = s.sequence() + 1;
        }
        return out;
    }

    public List<KeyValue<K, V>> readKeyValuesToList() {
        return readRecordsToList().stream().map(r -> new KeyValue<>(r.key(), r.value())).toList();
    }

    /** The last value per key (a null value removes the key), as a table of the topic would hold. */
    public Map<K, V> readKeyValuesToMap() {
        Map<K, V> m = new LinkedHashMap<>();
        for (TestRecord<K, V> r : readRecordsToList()) {
            if (r.value() == null) {
                m.remove(r.key());
            } else {
                m.put(r.key(), r.value());
            }
        }
        return m;
    }

    public KeyValue<K, V> readKeyValue() {
        List<StreamsTestDriver.Stored> next = driver.readFrom(topic, position);
        if (next.isEmpty()) {
            throw new NoSuchElementException("no more records in " + topic);
        }
        StreamsTestDriver.Stored s = next.get(0);
        position = s.sequence() + 1;
        return new KeyValue<>(keySerde.deserialize(topic, s.key()), valueSerde.deserialize(topic, s.value()));
    }

    public boolean isEmpty() {
        return driver.readFrom(topic, position).isEmpty();
    }

    public int queueSize() {
        return driver.readFrom(topic, position).size();
    }
}
