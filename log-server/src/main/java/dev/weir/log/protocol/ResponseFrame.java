package dev.weir.log.protocol;

import dev.weir.log.storage.FileSlice;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One encoded response, size prefix included, as an ordered list of parts. Heap parts are bytes
 * already encoded; file parts are record batches still on disk, for the network layer to transfer
 * without copying them through the heap.
 */
public record ResponseFrame(List<Part> parts, int totalBytes) {

    public sealed interface Part permits HeapPart, FilePart {}

    public record HeapPart(ByteBuffer bytes) implements Part {}

    public record FilePart(FileSlice slice) implements Part {}
}
