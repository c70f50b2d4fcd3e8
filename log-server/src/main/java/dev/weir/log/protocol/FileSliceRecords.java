package dev.weir.log.protocol;

import dev.weir.log.storage.FileSlice;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Record batches that stay in a segment file until the response is written: {@link FrameWriter}
 * turns them into a {@link ResponseFrame.FilePart} instead of copying bytes.
 */
final class FileSliceRecords implements BaseRecords {
    private final FileSlice slice;

    FileSliceRecords(FileSlice slice) {
        this.slice = slice;
    }

    FileSlice slice() {
        return slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.size();
    }

    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("file slices are written by FrameWriter, not by a Send");
    }
}
