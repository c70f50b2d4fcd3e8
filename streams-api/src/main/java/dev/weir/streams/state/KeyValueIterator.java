package dev.weir.streams.state;

import dev.weir.streams.KeyValue;
import java.util.Iterator;

/** An iterator over store entries that holds native resources: always close it (try-with-resources). */
public interface KeyValueIterator<K, V> extends Iterator<KeyValue<K, V>>, AutoCloseable {
    @Override
    void close();
}
