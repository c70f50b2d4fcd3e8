package dev.weir.log.api.archfixture;

import dev.weir.log.protocol.archfixture.ProtocolCallingApi;
import dev.weir.log.storage.FileSlice;

/**
 * Breaks the rules on purpose (test-only package, never on the main class path): an api class that reads a storage
 * type, and closes an api ⇄ protocol cycle with {@link ProtocolCallingApi}.
 */
public final class ApiReachingIntoStorage {
    public FileSlice slice;
    public ProtocolCallingApi dispatcher;
}
