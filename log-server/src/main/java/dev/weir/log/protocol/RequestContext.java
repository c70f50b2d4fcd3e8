package dev.weir.log.protocol;

/** What a handler may know about the request besides its body. */
public record RequestContext(int correlationId, String clientId, short apiVersion, String clientAddress) {}
