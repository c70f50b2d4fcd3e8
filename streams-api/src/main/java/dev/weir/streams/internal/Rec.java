package dev.weir.streams.internal;

/** A record flowing between processor nodes of a task: deserialized key and value and its event time. */
public record Rec(Object key, Object value, long timestamp) {
    public Rec withKey(Object k) {
        return new Rec(k, value, timestamp);
    }

    public Rec withValue(Object v) {
        return new Rec(key, v, timestamp);
    }
}
