package dev.weir.registry.rest;

/**
 * An HTTP answer: status and an already-encoded JSON body. Immutable.
 */
public record Reply(int status, String body) {
    public static Reply ok(String json) {
        return new Reply(200, json);
    }
}
