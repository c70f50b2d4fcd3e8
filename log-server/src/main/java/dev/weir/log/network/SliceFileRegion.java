package dev.weir.log.network;

import dev.weir.log.storage.FileSlice;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A Netty file region over a segment slice, sent with {@code FileChannel.transferTo} (sendfile).
 * Unlike Netty's {@code DefaultFileRegion} it never closes the channel: the segment owns it and
 * keeps it open until a delayed delete, after in-flight transfers are done.
 */
final class SliceFileRegion extends AbstractReferenceCounted implements FileRegion {
    private final FileSlice slice;
    private long transferred;

    SliceFileRegion(FileSlice slice) {
        this.slice = slice;
    }

    @Override
    public long position() {
        return slice.position();
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return slice.size();
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long remaining = slice.size() - position;
        if (remaining <= 0) {
            return 0;
        }
        long written = slice.channel().transferTo(slice.position() + position, remaining, target);
        transferred += written;
        return written;
    }

    @Override
    protected void deallocate() {
        // The channel belongs to the segment.
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }
}
