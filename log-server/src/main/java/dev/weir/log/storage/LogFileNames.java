package dev.weir.log.storage;

import org.apache.kafka.common.TopicPartition;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names of the files and directories of the on-disk layout, in one place. */
final class LogFileNames {

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String SNAPSHOT_SUFFIX = ".snapshot";
    /** A segment's aborted-transaction index, see {@link TransactionIndex}. */
    static final String TXN_INDEX_SUFFIX = ".txnindex";
    /** Appended to a file awaiting its delayed deletion; leftovers are removed on open. */
    static final String DELETED_SUFFIX = ".deleted";
    /** Appended to a temporary file written before an atomic rename; leftovers are removed on open. */
    static final String TMP_SUFFIX = ".tmp";
    static final String DELETE_DIR_SUFFIX = "-delete";
    /** Appended to the files of a segment the cleaner is writing; leftovers are removed on open. */
    static final String CLEANED_SUFFIX = ".cleaned";
    /** Appended to the files of a cleaned segment committed to replace its sources; finished on open. */
    static final String SWAP_SUFFIX = ".swap";
    /** {@code <base>.swap-end}: the exclusive end offset of the segments a {@code .swap} segment replaces. */
    static final String SWAP_END_SUFFIX = ".swap-end";
    /** First offset the cleaner has not compacted yet. */
    static final String CLEANER_CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
    static final String RECOVERY_POINT_FILE = "recovery-point";
    static final String LOG_START_OFFSET_FILE = "log-start-offset";
    /** The partition's leader epoch history, see {@link LeaderEpochCache}. */
    static final String LEADER_EPOCH_CHECKPOINT_FILE = "leader-epoch-checkpoint";

    private static final Pattern OFFSET_FILE = Pattern.compile("(\\d{20})(\\.[a-z]+)");
    private static final Pattern PARTITION_DIR = Pattern.compile("([a-zA-Z0-9._-]+)-(\\d+)");

    private LogFileNames() {
    }

    static String offsetPrefix(long offset) {
        return String.format("%020d", offset);
    }

    static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(offsetPrefix(baseOffset) + LOG_SUFFIX);
    }

    static Path offsetIndexFile(Path dir, long baseOffset) {
        return dir.resolve(offsetPrefix(baseOffset) + INDEX_SUFFIX);
    }

    static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(offsetPrefix(baseOffset) + TIME_INDEX_SUFFIX);
    }

    static Path txnIndexFile(Path dir, long baseOffset) {
        return dir.resolve(offsetPrefix(baseOffset) + TXN_INDEX_SUFFIX);
    }

    static Path swapEndFile(Path dir, long baseOffset) {
        return dir.resolve(offsetPrefix(baseOffset) + SWAP_END_SUFFIX);
    }

    static Path snapshotFile(Path dir, long offset) {
        return dir.resolve(offsetPrefix(offset) + SNAPSHOT_SUFFIX);
    }

    /** The offset prefix of a file named {@code <20 digits><suffix>}, or empty. */
    static OptionalLong offsetOf(Path file, String suffix) {
        Matcher m = OFFSET_FILE.matcher(file.getFileName().toString());
        if (m.matches() && m.group(2).equals(suffix)) {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        }
        return OptionalLong.empty();
    }

    static String partitionDirName(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    /** The partition a directory named {@code <topic>-<partition>} holds, or empty for any other name. */
    static Optional<TopicPartition> parsePartitionDir(String name) {
        Matcher m = PARTITION_DIR.matcher(name);
        if (!m.matches() || m.group(1).isEmpty() || m.group(2).length() > 9) {
            return Optional.empty();
        }
        return Optional.of(new TopicPartition(m.group(1), Integer.parseInt(m.group(2))));
    }

    static boolean isDeleteDir(String name) {
        return name.endsWith(DELETE_DIR_SUFFIX);
    }
}
