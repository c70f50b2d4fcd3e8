package dev.weir.log.replica;

/**
 * What a fetch asks of one partition.
 *
 * @param fetchOffset   first offset wanted; the batch holding it is returned whole
 * @param maxBytes      byte budget of this partition's records
 * @param minOneMessage return the first batch even if it exceeds {@code maxBytes} (KIP-74)
 */
public record FetchParams(long fetchOffset, int maxBytes, boolean minOneMessage) {}
