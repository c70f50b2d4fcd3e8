package dev.weir.log.storage;

/** What producer state remembers of one appended idempotent batch, to detect retries. */
public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {
}
