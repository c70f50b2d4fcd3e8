package dev.weir.log.storage;

/** A record batch header found at byte {@code position} of a segment file. */
record FileBatch(int position, RecordBatchHeader header) {

    int endPosition() {
        return position + header.sizeInBytes();
    }
}
