package dev.weir.log.coordinator;

import dev.weir.log.protocol.ErrorCode;

/** FindCoordinator's answer for one key: the broker that coordinates it, or an error. */
public record Coordinator(ErrorCode error, String message, int nodeId, String host, int port) {

    public static Coordinator error(ErrorCode error, String message) {
        return new Coordinator(error, message, -1, "", -1);
    }
}
