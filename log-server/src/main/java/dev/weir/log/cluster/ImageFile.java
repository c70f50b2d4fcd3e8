package dev.weir.log.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A broker's persisted copy of the metadata image, {@code <first log dir>/weir-metadata.json} in
 * {@link ImageCodec}'s form. Replaced atomically (temp file, fsync, rename), so a crash leaves the old
 * or the new image, never a torn one. Not thread-safe: callers serialize writes.
 */
public final class ImageFile {
    public static final String FILE_NAME = "weir-metadata.json";

    private final Path file;

    public ImageFile(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        this.file = dir.resolve(FILE_NAME);
    }

    public Optional<MetadataImage> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageCodec.decode(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cluster metadata " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cluster metadata " + file + " is unreadable (" + e.getMessage()
                    + "); restore it from a backup or move it away to start with no topics", e);
        }
    }

    public void write(MetadataImage image) {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(ImageCodec.encode(image));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cluster metadata " + tmp, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace cluster metadata " + file, e);
        }
    }
}
