package dev.weir.log.storage;

/** An {@link OffsetIndex} entry: the batch ending at {@code offset} starts at byte {@code position} of the segment. */
record OffsetPosition(long offset, int position) {
}
