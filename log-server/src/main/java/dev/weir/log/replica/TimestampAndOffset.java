package dev.weir.log.replica;

/** A record's timestamp and offset, as a ListOffsets lookup answers them; -1 for an unknown timestamp. */
public record TimestampAndOffset(long timestamp, long offset) {}
