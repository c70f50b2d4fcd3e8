package dev.weir.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the batch headers of a segment file between two positions, reading the file in chunks so that many
 * small batches cost one read. Stops at the first batch that does not fit entirely before the end position
 * or whose header is implausible: callers read only validated regions, recovery validates separately.
 * Not thread-safe; uses positional reads only, so several may share a channel.
 */
final class FileBatches {

    private static final int CHUNK_SIZE = 16 * 1024;

    private final FileChannel channel;
    private final int end;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_SIZE);
    private int chunkStart;
    private int position;

    FileBatches(FileChannel channel, int start, int end) {
        this.channel = channel;
        this.position = start;
        this.end = end;
        this.chunkStart = start;
        chunk.limit(0);
    }

    /** The next batch, or null at the end. */
    FileBatch next() throws IOException {
        if (end - position < RecordBatchHeader.HEADER_SIZE) {
            return null;
        }
        int offsetInChunk = position - chunkStart;
        if (offsetInChunk < 0 || offsetInChunk + RecordBatchHeader.HEADER_SIZE > chunk.limit()) {
            fill(position);
            offsetInChunk = 0;
            if (chunk.limit() < RecordBatchHeader.HEADER_SIZE) {
                return null;
            }
        }
        RecordBatchHeader header = RecordBatchHeader.parse(chunk, offsetInChunk);
        if (header.batchLength() < RecordBatchHeader.HEADER_SIZE - RecordBatchHeader.LOG_OVERHEAD
                || (long) position + header.sizeInBytes() > end) {
            return null;
        }
        FileBatch batch = new FileBatch(position, header);
        position += header.sizeInBytes();
        return batch;
    }

    private void fill(int from) throws IOException {
        chunk.clear();
        chunk.limit((int) Math.min(CHUNK_SIZE, (long) end - from));
        chunkStart = from;
        while (chunk.hasRemaining()) {
            int n = channel.read(chunk, from + chunk.position());
            if (n < 0) {
                break;
            }
        }
        chunk.flip();
    }
}
