package dev.weir.log.storage;

import java.nio.channels.FileChannel;

/**
 * A batch-aligned region of a segment file, for zero-copy transfer with {@link FileChannel#transferTo}.
 * The channel is shared with the segment: do not close it, and do not change its position (use positional I/O).
 * It stays open at least {@link LogConfig#fileDeleteDelayMs()} after its segment is deleted, so a transfer
 * started before the deletion can finish.
 *
 * @param channel  the segment's .log file
 * @param position byte offset of the first batch in the file
 * @param size     number of bytes; 0 means no records
 */
public record FileSlice(FileChannel channel, long position, int size) {
    public FileSlice {
        if (position < 0 || size < 0) {
            throw new IllegalArgumentException("invalid slice position " + position + " size " + size);
        }
    }
}
