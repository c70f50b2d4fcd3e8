package dev.weir.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weir.streams.serde.Serde;
import dev.weir.streams.serde.Serdes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class SerdesTest {
    record Order(String id, long cents) {
    }

    static <T> T roundTrip(Serde<T> serde, T value) {
        return serde.deserialize("t", serde.serialize("t", value));
    }

    @Test
    void primitivesUseKafkaEncodings() {
        assertArrayEquals(ByteBuffer.allocate(8).putLong(42L).array(), Serdes.longs().serialize("t", 42L));
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), Serdes.string().serialize("t", "héllo"));
        assertEquals(7, roundTrip(Serdes.integers(), 7));
        assertEquals(2.5, roundTrip(Serdes.doubles(), 2.5));
        UUID u = UUID.randomUUID();
        assertEquals(u, roundTrip(Serdes.uuid(), u));
        assertArrayEquals(new byte[] {1, 2}, roundTrip(Serdes.bytes(), new byte[] {1, 2}));
        assertNull(Serdes.longs().serialize("t", null));
        assertNull(Serdes.longs().deserialize("t", null));
    }

    @Test
    void jsonToRecordsAndMaps() {
        Serde<Order> s = Serdes.json(Order.class);
        assertEquals(new Order("o1", 1250), roundTrip(s, new Order("o1", 1250)));
        assertEquals("{\"id\":\"o1\",\"cents\":1250}", new String(s.serialize("t", new Order("o1", 1250)),
                StandardCharsets.UTF_8));
        Map<String, Object> m = Serdes.jsonMap().deserialize("t", "{\"a\":1,\"b\":[true]}".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, m.get("a"));
        SerializationException e = assertThrows(SerializationException.class,
                () -> s.deserialize("orders", "{not json".getBytes(StandardCharsets.UTF_8)));
        assertEquals(true, e.getMessage().contains("orders"));
    }
}
