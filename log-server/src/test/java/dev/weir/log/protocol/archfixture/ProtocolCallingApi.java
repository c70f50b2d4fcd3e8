package dev.weir.log.protocol.archfixture;

import dev.weir.log.api.archfixture.ApiReachingIntoStorage;

/** Breaks the rules on purpose (test-only package): a protocol class that depends on the api layer. */
public final class ProtocolCallingApi {
    public ApiReachingIntoStorage handler;
}
