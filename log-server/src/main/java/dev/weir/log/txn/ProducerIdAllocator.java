package dev.weir.log.txn;

import dev.weir.log.cluster.MetadataStore;

/**
 * Hands out producer ids from blocks reserved in the metadata store, so ids are unique across
 * restarts (a restart skips the rest of its block) while most allocations touch no disk.
 * Thread-safe.
 */
public final class ProducerIdAllocator {
    private final MetadataStore metadata;
    private final int blockSize;
    private long next;
    private long blockEnd;

    public ProducerIdAllocator(MetadataStore metadata, int blockSize) {
        this.metadata = metadata;
        this.blockSize = blockSize;
    }

    public synchronized long nextProducerId() {
        if (next >= blockEnd) {
            next = metadata.allocateProducerIds(blockSize);
            blockEnd = next + blockSize;
        }
        return next++;
    }
}
