package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.internals.ByteUtils;

/**
 * A {@link Writable} that encodes into heap chunks and keeps {@link FileSliceRecords} as file parts,
 * so Fetch responses carry segment regions to the socket untouched. The total size is known before
 * writing (from the size accumulator), so the heap chunk is allocated once per run of heap bytes.
 * Not thread-safe: one writer per response.
 */
final class FrameWriter implements Writable {
    private final List<ResponseFrame.Part> parts = new ArrayList<>();
    private ByteBuffer current;

    /** @param heapBytes an upper bound of the bytes that will be written to the heap (not file slices) */
    FrameWriter(int heapBytes) {
        this.current = ByteBuffer.allocate(heapBytes);
    }

    List<ResponseFrame.Part> finish() {
        flushCurrent();
        return parts;
    }

    private void flushCurrent() {
        if (current.position() > 0) {
            ByteBuffer done = current.flip();
            parts.add(new ResponseFrame.HeapPart(done));
            // The remaining capacity becomes the next chunk; no second allocation.
            current = done.duplicate().limit(done.capacity()).position(done.limit()).slice();
        }
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof FileSliceRecords file) {
            if (file.sizeInBytes() > 0) {
                flushCurrent();
                parts.add(new ResponseFrame.FilePart(file.slice()));
            }
        } else if (records instanceof MemoryRecords memory) {
            // Counted as zero-copy bytes by the size accumulator: a part of its own, not copied.
            if (memory.sizeInBytes() > 0) {
                flushCurrent();
                parts.add(new ResponseFrame.HeapPart(memory.buffer().duplicate()));
            }
        } else {
            throw new IllegalArgumentException("unexpected records type " + records.getClass());
        }
    }

    @Override public void writeByte(byte val) { current.put(val); }
    @Override public void writeShort(short val) { current.putShort(val); }
    @Override public void writeInt(int val) { current.putInt(val); }
    @Override public void writeLong(long val) { current.putLong(val); }
    @Override public void writeDouble(double val) { current.putDouble(val); }
    @Override public void writeByteArray(byte[] arr) { current.put(arr); }
    @Override public void writeUnsignedVarint(int i) { ByteUtils.writeUnsignedVarint(i, current); }
    @Override public void writeByteBuffer(ByteBuffer buf) { current.put(buf.duplicate()); }
    @Override public void writeVarint(int i) { ByteUtils.writeVarint(i, current); }
    @Override public void writeVarlong(long i) { ByteUtils.writeVarlong(i, current); }
}
