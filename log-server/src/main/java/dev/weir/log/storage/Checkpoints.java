package dev.weir.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Durable small files: written to a temporary file, fsynced, atomically renamed over the target and the
 * directory fsynced, so a crash leaves either the old or the new content. Checkpoints hold one decimal number
 * and a newline.
 */
final class Checkpoints {

    private Checkpoints() {
    }

    static void writeLong(Path file, long value) throws IOException {
        writeAtomically(file, ByteBuffer.wrap((value + "\n").getBytes(StandardCharsets.US_ASCII)));
    }

    /** The number in {@code file}, or empty if the file is missing or unreadable (treated as lost). */
    static OptionalLong readLong(Path file) throws IOException {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return OptionalLong.of(Long.parseLong(text));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static void writeAtomically(Path file, ByteBuffer content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + LogFileNames.TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (content.hasRemaining()) {
                ch.write(content);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(file.getParent());
    }

    /** Makes renames, creations and deletions in {@code dir} durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open directories; nothing more can be done there.
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }
}
