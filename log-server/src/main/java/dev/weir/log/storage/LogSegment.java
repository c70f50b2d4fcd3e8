package dev.weir.log.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * One segment of a partition log: {@code <20-digit baseOffset>.log} plus its {@link OffsetIndex} ({@code .index}),
 * {@link TimeIndex} ({@code .timeindex}) and, once a transaction aborted in it, its {@link TransactionIndex}
 * ({@code .txnindex}) in the partition directory.
 *
 * <p>On-disk format of the .log file: record batches (magic v2, see {@link RecordBatchHeader}) back to back,
 * exactly as validated, with strictly increasing offsets all >= baseOffset and < baseOffset + 2^31 (indexes store
 * 32-bit relative offsets). No file header, no padding; the file length is the segment size.
 *
 * <p>Thread-safety (as Kafka's LogSegment): appends, truncation, recovery, rolls, renames and close must be
 * serialized by the caller (the partition lock). {@link #read}, {@link #size()}, {@link #maxTimestampSoFar()} and
 * index lookups may run concurrently with an append: readers bound themselves by a position published by the
 * partition after the bytes were written, and only use positional channel I/O.
 */
public final class LogSegment {

    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);

    private final long baseOffset;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final long createdMs;
    private volatile Path logFile;
    private volatile int size;
    private volatile TimestampOffset maxTimestampSoFar = TimestampOffset.UNKNOWN;
    private int indexIntervalBytes;
    private int maxIndexSize;
    private int bytesSinceLastIndexEntry;
    /** Max timestamp of the first batch: time-based rolling measures from it. Loaded lazily. */
    private OptionalLong rollingBasedTimestamp = OptionalLong.empty();
    private boolean indexesNeedRebuild;

    private LogSegment(Path dir, long baseOffset, LogConfig config, long createdMs, boolean create, String suffix)
            throws IOException {
        this.baseOffset = baseOffset;
        this.logFile = withSuffix(LogFileNames.logFile(dir, baseOffset), suffix);
        this.createdMs = createdMs;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.maxIndexSize = config.segmentIndexBytes();
        this.channel = create
                ? FileChannel.open(logFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long length = channel.size();
            if (length > Integer.MAX_VALUE) {
                throw new IOException("segment " + logFile + " is larger than 2 GiB (" + length + " bytes)");
            }
            this.size = (int) length;
            Path indexPath = withSuffix(LogFileNames.offsetIndexFile(dir, baseOffset), suffix);
            Path timeIndexPath = withSuffix(LogFileNames.timeIndexFile(dir, baseOffset), suffix);
            boolean indexesExisted = Files.exists(indexPath) && Files.exists(timeIndexPath);
            this.offsetIndex = new OffsetIndex(indexPath, baseOffset, config.segmentIndexBytes());
            this.timeIndex = new TimeIndex(timeIndexPath, baseOffset, config.segmentIndexBytes());
            Path txnIndexPath = withSuffix(LogFileNames.txnIndexFile(dir, baseOffset), suffix);
            if (create) {
                Files.deleteIfExists(txnIndexPath); // a leftover of an older segment at this offset
            }
            this.txnIndex = new TransactionIndex(txnIndexPath, baseOffset);
            this.indexesNeedRebuild = size > 0 && (!indexesExisted || !offsetIndex.isSane() || !timeIndex.isSane()
                    || offsetIndex.lastEntry().position() >= size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Creates an empty segment; fails if its .log file already exists. */
    public static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        return new LogSegment(dir, baseOffset, config, nowMs, true, "");
    }

    /**
     * Creates an empty segment whose files carry {@code suffix} after their usual names (the cleaner's
     * {@code .cleaned} output); {@link #changeFileSuffixes} renames them later.
     */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs, String suffix) throws IOException {
        return new LogSegment(dir, baseOffset, config, nowMs, true, suffix);
    }

    private static Path withSuffix(Path file, String suffix) {
        return suffix.isEmpty() ? file : file.resolveSibling(file.getFileName() + suffix);
    }

    /**
     * Opens an existing segment. Its indexes are trusted if present and sane, and the state past the last index
     * entry is rescanned; otherwise {@link #indexesNeedRebuild()} is true and the caller must {@link #recover}.
     */
    public static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        LogSegment segment = new LogSegment(dir, baseOffset, config, nowMs, false, "");
        if (!segment.indexesNeedRebuild) {
            try {
                segment.loadTailState();
            } catch (IOException | RuntimeException e) {
                segment.close();
                throw e;
            }
        }
        return segment;
    }

    public long baseOffset() {
        return baseOffset;
    }

    /** Bytes in the .log file (including any append in progress; readers use the partition's published end). */
    public int size() {
        return size;
    }

    public FileChannel channel() {
        return channel;
    }

    public Path logFile() {
        return logFile;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    /** The aborted transactions whose ABORT marker is in this segment. */
    TransactionIndex txnIndex() {
        return txnIndex;
    }

    public boolean indexesNeedRebuild() {
        return indexesNeedRebuild;
    }

    /** The largest batch max timestamp in the segment and the last offset of the batch carrying it. */
    public TimestampOffset maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    /** Timestamp retention compares with: the largest record timestamp, else the file's modification time. */
    public long largestTimestamp() throws IOException {
        long ts = maxTimestampSoFar.timestamp();
        return ts >= 0 ? ts : lastModifiedMs();
    }

    public long lastModifiedMs() throws IOException {
        return Files.getLastModifiedTime(logFile).toMillis();
    }

    /** Applies changed index settings (caller holds the partition lock). */
    void updateConfig(LogConfig config) {
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.maxIndexSize = config.segmentIndexBytes();
    }

    /**
     * Whether the segment must roll before an append of {@code appendSize} bytes whose largest timestamp and
     * offset are given (Kafka's rules: size, age of the first batch, index capacity, relative offset range).
     */
    public boolean shouldRoll(LogConfig config, int appendSize, long appendMaxTimestamp, long appendLastOffset,
                              long nowMs) throws IOException {
        boolean full = size > (long) config.segmentBytes() - appendSize;
        boolean old = size > 0 && timeWaitedForRoll(nowMs, appendMaxTimestamp) > config.maxSegmentMs();
        boolean offsetOverflow = appendLastOffset - baseOffset > Integer.MAX_VALUE;
        return full || old || offsetIndex.isFull() || timeIndex.isFull() || offsetOverflow;
    }

    private long timeWaitedForRoll(long nowMs, long appendMaxTimestamp) throws IOException {
        if (rollingBasedTimestamp.isEmpty() && size > 0) {
            FileBatch first = new FileBatches(channel, 0, size).next();
            if (first != null) {
                rollingBasedTimestamp = OptionalLong.of(first.header().maxTimestamp());
            }
        }
        long ts = rollingBasedTimestamp.orElse(-1L);
        return ts >= 0 ? appendMaxTimestamp - ts : nowMs - createdMs;
    }

    /**
     * Appends validated, offset-assigned batches (position to limit of {@code batches}) and indexes them.
     * The buffer's position is left unchanged.
     */
    public void append(ByteBuffer batches) throws IOException {
        ByteBuffer src = batches.duplicate();
        int start = size;
        long writePos = start;
        while (src.hasRemaining()) {
            writePos += channel.write(src, writePos);
        }
        int pos = batches.position();
        int filePos = start;
        while (pos < batches.limit()) {
            RecordBatchHeader header = RecordBatchHeader.parse(batches, pos);
            indexBatch(header, filePos);
            pos += header.sizeInBytes();
            filePos += header.sizeInBytes();
        }
        size = filePos;
    }

    private void indexBatch(RecordBatchHeader header, int position) {
        if (rollingBasedTimestamp.isEmpty() && position == 0) {
            rollingBasedTimestamp = OptionalLong.of(header.maxTimestamp());
        }
        if (header.maxTimestamp() > maxTimestampSoFar.timestamp()) {
            maxTimestampSoFar = new TimestampOffset(header.maxTimestamp(), header.lastOffset());
        }
        // A full index only happens in recovery under a smaller segment.index.bytes (appends roll first):
        // skipping entries then only lengthens scans.
        if (bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull()) {
            offsetIndex.append(header.lastOffset(), position);
            timeIndex.maybeAppend(maxTimestampSoFar.timestamp(), maxTimestampSoFar.offset());
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += header.sizeInBytes();
    }

    /** Rescans the batches after the last offset index entry to restore in-memory state after a clean open. */
    private void loadTailState() throws IOException {
        TimestampOffset lastTime = timeIndex.lastEntry();
        maxTimestampSoFar = lastTime.timestamp() >= 0 ? lastTime : TimestampOffset.UNKNOWN;
        int from = offsetIndex.lastEntry().position();
        FileBatches batches = new FileBatches(channel, from, size);
        for (FileBatch b = batches.next(); b != null; b = batches.next()) {
            if (b.header().maxTimestamp() > maxTimestampSoFar.timestamp()) {
                maxTimestampSoFar = new TimestampOffset(b.header().maxTimestamp(), b.header().lastOffset());
            }
        }
        bytesSinceLastIndexEntry = size - from;
    }

    /** Offset after the last batch, or baseOffset if the segment is empty. */
    public long readNextOffset() throws IOException {
        FileBatches batches = new FileBatches(channel, offsetIndex.lastEntry().position(), size);
        long next = baseOffset;
        for (FileBatch b = batches.next(); b != null; b = batches.next()) {
            next = b.header().lastOffset() + 1;
        }
        return next;
    }

    /**
     * The first batch whose last offset is >= {@code offset} and which ends at or before {@code maxPosition}, or
     * null.
     */
    FileBatch translateOffset(long offset, int maxPosition) throws IOException {
        FileBatches batches = new FileBatches(channel, offsetIndex.lookup(offset).position(), maxPosition);
        for (FileBatch b = batches.next(); b != null; b = batches.next()) {
            if (b.header().lastOffset() >= offset) {
                return b;
            }
        }
        return null;
    }

    /**
     * Whole batches starting with the one that contains {@code startOffset} (or the first after it), up to
     * {@code maxBytes} (with {@code minOneMessage} the first batch is returned whole regardless), ending at or
     * before {@code maxPosition} and leaving out batches whose base offset is >= {@code maxOffsetExclusive}.
     *
     * @return the slice, possibly empty when the first candidate is excluded by the limits; null when the segment
     *         holds no batch at or after {@code startOffset} before {@code maxPosition}
     */
    public FileSlice read(long startOffset, int maxBytes, int maxPosition, long maxOffsetExclusive,
                          boolean minOneMessage) throws IOException {
        FileBatch first = translateOffset(startOffset, maxPosition);
        if (first == null) {
            return null;
        }
        FileBatches batches = new FileBatches(channel, first.position(), maxPosition);
        int total = 0;
        for (FileBatch b = batches.next(); b != null; b = batches.next()) {
            int batchSize = b.header().sizeInBytes();
            if (b.header().baseOffset() >= maxOffsetExclusive
                    || ((long) total + batchSize > maxBytes && !(total == 0 && minOneMessage))) {
                break;
            }
            total += batchSize;
        }
        return new FileSlice(channel, first.position(), total);
    }

    /** Reads one whole batch into a new heap buffer. */
    ByteBuffer readBatch(FileBatch batch) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(batch.header().sizeInBytes());
        readFully(buffer, batch.position());
        buffer.flip();
        return buffer;
    }

    /**
     * The first record with timestamp >= target and offset >= {@code startingOffset}, searching from the time
     * index entry below the target (Kafka's LogSegment.findOffsetByTimestamp).
     */
    public Optional<TimestampOffset> findOffsetByTimestamp(long targetTimestamp, long startingOffset, int maxPosition,
                                                           BatchRecordScanner scanner) throws IOException {
        TimestampOffset entry = timeIndex.lookup(targetTimestamp);
        int from = offsetIndex.lookup(Math.max(entry.offset(), startingOffset)).position();
        FileBatches batches = new FileBatches(channel, from, maxPosition);
        for (FileBatch b = batches.next(); b != null; b = batches.next()) {
            if (b.header().maxTimestamp() >= targetTimestamp && b.header().lastOffset() >= startingOffset) {
                Optional<TimestampOffset> found = scanner.firstAtOrAfter(readBatch(b), targetTimestamp, startingOffset);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** The record carrying {@link #maxTimestampSoFar()}, found by the scanner inside its batch. */
    public Optional<TimestampOffset> findMaxTimestampRecord(int maxPosition, BatchRecordScanner scanner)
            throws IOException {
        TimestampOffset max = maxTimestampSoFar;
        if (max.offset() < 0) {
            return Optional.empty();
        }
        FileBatch batch = translateOffset(max.offset(), maxPosition);
        if (batch == null || batch.header().maxTimestamp() != max.timestamp()) {
            return Optional.empty();
        }
        return scanner.maxTimestampRecord(readBatch(batch));
    }

    /**
     * Rescans the whole file: rebuilds both indexes and the in-memory state, and truncates at the first batch that
     * is torn, has a bad CRC or an inconsistent header (wrong magic, offsets not increasing or out of range).
     *
     * @return bytes truncated
     */
    public int recover() throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        resizeIndexes(maxIndexSize);
        maxTimestampSoFar = TimestampOffset.UNKNOWN;
        rollingBasedTimestamp = OptionalLong.empty();
        bytesSinceLastIndexEntry = 0;
        long fileSize = channel.size();
        int limit = (int) Math.min(fileSize, Integer.MAX_VALUE);
        int position = 0;
        long nextOffset = baseOffset;
        ByteBuffer headerBuffer = ByteBuffer.allocate(RecordBatchHeader.HEADER_SIZE);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        while (limit - position >= RecordBatchHeader.HEADER_SIZE) {
            headerBuffer.clear();
            readFully(headerBuffer, position);
            RecordBatchHeader header = RecordBatchHeader.parse(headerBuffer, 0);
            String problem = headerProblem(header, nextOffset, limit - position);
            if (problem == null && crcOf(position, header.sizeInBytes(), chunk) != header.crc()) {
                problem = "CRC mismatch";
            }
            if (problem != null) {
                log.warn("Segment {}: invalid batch at position {} ({}); truncating {} bytes", logFile, position,
                        problem, fileSize - position);
                break;
            }
            indexBatch(header, position);
            nextOffset = header.lastOffset() + 1;
            position += header.sizeInBytes();
        }
        int truncated = (int) Math.min(fileSize - position, Integer.MAX_VALUE);
        if (fileSize > position) {
            channel.truncate(position);
        }
        // Entries for markers that did not survive go; missing ones are re-added by the producer state replay.
        txnIndex.truncateTo(nextOffset);
        size = position;
        indexesNeedRebuild = false;
        return truncated;
    }

    /** CRC32C of the CRC-covered part of the batch at {@code position}, read in chunks to bound memory. */
    private long crcOf(int position, int batchSize, ByteBuffer chunk) throws IOException {
        CRC32C crc = new CRC32C();
        long pos = position + RecordBatchHeader.ATTRIBUTES_OFFSET;
        long end = (long) position + batchSize;
        while (pos < end) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - pos));
            readFully(chunk, pos);
            chunk.flip();
            crc.update(chunk);
            pos += chunk.limit();
        }
        return crc.getValue();
    }

    private String headerProblem(RecordBatchHeader h, long nextOffset, int bytesLeft) {
        if (h.magic() != RecordBatchHeader.MAGIC_V2) return "magic " + h.magic();
        if (h.batchLength() < RecordBatchHeader.HEADER_SIZE - RecordBatchHeader.LOG_OVERHEAD) return "batch length " + h.batchLength();
        if (h.sizeInBytes() > bytesLeft) return "torn write: batch of " + h.sizeInBytes() + " bytes, " + bytesLeft + " left";
        if (h.baseOffset() < nextOffset) return "base offset " + h.baseOffset() + " below " + nextOffset;
        if (h.lastOffsetDelta() < 0) return "last offset delta " + h.lastOffsetDelta();
        if (h.lastOffset() - baseOffset > Integer.MAX_VALUE) return "offset " + h.lastOffset() + " out of segment range";
        return null;
    }

    /**
     * Removes the batch containing {@code offset} and everything after it.
     *
     * @return bytes removed
     */
    public int truncateTo(long offset) throws IOException {
        FileBatch batch = translateOffset(offset, size);
        if (batch == null) {
            return 0;
        }
        int newSize = batch.position();
        int removed = size - newSize;
        offsetIndex.truncateTo(batch.header().baseOffset());
        timeIndex.truncateTo(batch.header().baseOffset());
        txnIndex.truncateTo(batch.header().baseOffset());
        channel.truncate(newSize);
        size = newSize;
        if (newSize == 0) {
            rollingBasedTimestamp = OptionalLong.empty();
        }
        loadTailState();
        return removed;
    }

    /** Called when a newer segment becomes active: records the final max timestamp and trims the indexes. */
    public void onBecomeInactive() throws IOException {
        appendFinalTimeIndexEntry();
        trimIndexes();
    }

    /** Shrinks the index files to their entries. */
    void trimIndexes() throws IOException {
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    private void appendFinalTimeIndexEntry() {
        TimestampOffset max = maxTimestampSoFar;
        if (max.timestamp() >= 0) {
            timeIndex.maybeAppend(max.timestamp(), max.offset());
        }
    }

    /** Gives an inactive segment's indexes room again (it became active, or is active after open). */
    public void resizeIndexes(int maxIndexSize) throws IOException {
        offsetIndex.resize(maxIndexSize);
        timeIndex.resize(maxIndexSize);
    }

    /** Forces the file content and indexes to disk. A segment already closed has nothing left to flush. */
    public void flush() throws IOException {
        try {
            channel.force(true);
        } catch (ClosedChannelException e) {
            return;
        }
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /** Renames the files with the {@code .deleted} suffix; the channel stays usable by readers. */
    public void renameToDeleted() throws IOException {
        Path target = logFile.resolveSibling(logFile.getFileName() + LogFileNames.DELETED_SUFFIX);
        Files.move(logFile, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        logFile = target;
        offsetIndex.renameTo(offsetIndex.file().resolveSibling(offsetIndex.file().getFileName() + LogFileNames.DELETED_SUFFIX));
        timeIndex.renameTo(timeIndex.file().resolveSibling(timeIndex.file().getFileName() + LogFileNames.DELETED_SUFFIX));
        txnIndex.renameTo(txnIndex.file().resolveSibling(txnIndex.file().getFileName() + LogFileNames.DELETED_SUFFIX));
    }

    /**
     * Renames the segment's files from ending in {@code oldSuffix} to ending in {@code newSuffix} (either may be empty),
     * the indexes first and the .log last, so that the .log file's name tells how far a crash let this get. The
     * channel and the index mappings stay usable.
     */
    void changeFileSuffixes(String oldSuffix, String newSuffix) throws IOException {
        offsetIndex.renameTo(resuffix(offsetIndex.file(), oldSuffix, newSuffix));
        timeIndex.renameTo(resuffix(timeIndex.file(), oldSuffix, newSuffix));
        txnIndex.renameTo(resuffix(txnIndex.file(), oldSuffix, newSuffix));
        Path target = resuffix(logFile, oldSuffix, newSuffix);
        Files.move(logFile, target, StandardCopyOption.ATOMIC_MOVE);
        logFile = target;
    }

    private static Path resuffix(Path file, String oldSuffix, String newSuffix) {
        String name = file.getFileName().toString();
        if (!name.endsWith(oldSuffix)) {
            throw new IllegalStateException(file + " does not end with '" + oldSuffix + "'");
        }
        return file.resolveSibling(name.substring(0, name.length() - oldSuffix.length()) + newSuffix);
    }

    /** Closes the channel and removes the files; for segments no reader can still use. */
    public void closeAndDelete() throws IOException {
        channel.close();
        Files.deleteIfExists(logFile);
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
        txnIndex.deleteIfExists();
    }

    /** Closes the file without touching the indexes' files, e.g. once its directory was renamed away. */
    public void closeHandles() throws IOException {
        channel.close();
        txnIndex.close();
    }

    /** Records the final time index entry, trims the indexes and closes the file. */
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                appendFinalTimeIndexEntry();
                offsetIndex.trimToValidSize();
                timeIndex.trimToValidSize();
            }
        } finally {
            channel.close();
            txnIndex.close();
        }
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of " + logFile + " at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public String toString() {
        return "LogSegment(" + logFile + ", size=" + size + ")";
    }
}
