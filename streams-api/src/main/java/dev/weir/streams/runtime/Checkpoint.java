package dev.weir.streams.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A task's checkpoint file: for each changelog partition, the offset from which a restore must resume
 * (everything before it is in the local persistent store). Written atomically (temp file + rename).
 */
final class Checkpoint {
    private Checkpoint() {
    }

    static Map<TopicPartition, Long> read(Path file) {
        Map<TopicPartition, Long> m = new HashMap<>();
        if (!Files.exists(file)) {
            return m;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.trim().split(" ");
                if (f.length == 3) {
                    m.put(new TopicPartition(f[0], Integer.parseInt(f[1])), Long.parseLong(f[2]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return new HashMap<>(); // unreadable: restore from the beginning
        }
        return m;
    }

    static void write(Path file, Map<TopicPartition, Long> offsets) {
        StringBuilder sb = new StringBuilder();
        offsets.forEach((tp, o) -> sb.append(tp.topic()).append(' ').append(tp.partition()).append(' ').append(o)
                .append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file, e);
        }
    }
}
