package dev.weir.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tumbling (advance = size) or hopping (advance &lt; size) time windows with an explicit grace period.
 * Windows are aligned to the epoch: a window starts at a multiple of the advance and covers
 * {@code [start, start + size)}. A window closes when the task's stream time reaches
 * {@code end + grace}; a record that arrives for closed windows only is dropped and counted.
 */
public record TimeWindows(long sizeMs, long advanceMs, long graceMs) {
    public TimeWindows {
        if (sizeMs <= 0) {
            throw new IllegalArgumentException("window size must be positive, not " + sizeMs + " ms");
        }
        if (advanceMs <= 0 || advanceMs > sizeMs) {
            throw new IllegalArgumentException("window advance must be in (0, size]: " + advanceMs + " ms for size "
                    + sizeMs + " ms");
        }
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace must not be negative: " + graceMs + " ms");
        }
    }

    /** Tumbling windows of {@code size} that accept records up to {@code grace} after they end. */
    public static TimeWindows ofSizeAndGrace(Duration size, Duration grace) {
        return new TimeWindows(size.toMillis(), size.toMillis(), grace.toMillis());
    }

    public static TimeWindows ofSizeWithNoGrace(Duration size) {
        return ofSizeAndGrace(size, Duration.ZERO);
    }

    /** Hopping windows: a new window every {@code advance}. */
    public TimeWindows advanceBy(Duration advance) {
        return new TimeWindows(sizeMs, advance.toMillis(), graceMs);
    }

    /** Start times of the windows that contain {@code timestamp}, oldest first. */
    public List<Long> windowStartsFor(long timestamp) {
        List<Long> starts = new ArrayList<>();
        long start = Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs * advanceMs;
        for (; start <= timestamp; start += advanceMs) {
            starts.add(start);
        }
        return starts;
    }
}
