package dev.weir.streams.internal;

import dev.weir.streams.serde.Serde;
import java.util.Arrays;

/**
 * The repartition format of table re-grouping: one byte saying whether the value is added to its
 * group ({@code 1}) or subtracted from it ({@code 0}), then the value's bytes.
 */
public final class ChangeSerde implements Serde<ChangeSerde.Delta> {
    /** A value entering ({@code add}) or leaving a group. */
    public record Delta(Object value, boolean add) {
    }

    private final Serde<Object> inner;

    @SuppressWarnings("unchecked")
    public ChangeSerde(Serde<?> inner) {
        this.inner = (Serde<Object>) inner;
    }

    @Override
    public byte[] serialize(String topic, Delta d) {
        if (d == null) {
            return null;
        }
        byte[] v = inner.serialize(topic, d.value());
        byte[] out = new byte[1 + v.length];
        out[0] = (byte) (d.add() ? 1 : 0);
        System.arraycopy(v, 0, out, 1, v.length);
        return out;
    }

    @Override
    public Delta deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        return new Delta(inner.deserialize(topic, Arrays.copyOfRange(bytes, 1, bytes.length)), bytes[0] == 1);
    }
}
