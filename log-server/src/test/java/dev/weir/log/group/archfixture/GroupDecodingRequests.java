package dev.weir.log.group.archfixture;

import org.apache.kafka.common.requests.AbstractRequest;

/** Breaks the rules on purpose (test-only package): a coordinator class using kafka-clients' request classes. */
public final class GroupDecodingRequests {
    public AbstractRequest request;
}
