package dev.weir.log.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of a log's oldest segments retention deletes, as Kafka's {@code UnifiedLog.deleteOldSegments}: those breaching
 * {@code retention.ms} (by their largest timestamp) or {@code retention.bytes} (both only under {@code cleanup.policy}
 * delete), and those lying wholly below the log start offset (moved by DeleteRecords). The active segment is never
 * deleted. A pure function of a {@link LogView}; {@link LocalLog#deleteOldestSegments} does the deleting.
 */
final class LogRetention {

    private LogRetention() {
    }

    /** The {@code count} oldest segments go, for {@code reason}; none if count is 0. */
    record Deletion(int count, String reason) {
    }

    static Deletion segmentsToDelete(LogView v, LogConfig cfg, long nowMs) throws IOException {
        List<LogSegment> candidates = new ArrayList<>(v.segments().values());
        candidates.remove(candidates.size() - 1);
        int byTime = 0;
        if (cfg.retentionMs() >= 0 && cfg.cleanup().delete()) {
            for (LogSegment s : candidates) {
                if (nowMs - s.largestTimestamp() <= cfg.retentionMs()) {
                    break;
                }
                byTime++;
            }
        }
        int bySize = 0;
        if (cfg.retentionBytes() >= 0 && cfg.cleanup().delete()) {
            long excess = v.sizeInBytes() - cfg.retentionBytes();
            for (LogSegment s : candidates) {
                if (excess - s.size() < 0) {
                    break;
                }
                excess -= s.size();
                bySize++;
            }
        }
        int byStart = v.countSegmentsBelow(v.logStartOffset());
        int count = Math.max(byTime, Math.max(bySize, byStart));
        String reason = count == 0 ? "" : byTime == count ? "retention.ms " + cfg.retentionMs()
                : bySize == count ? "retention.bytes " + cfg.retentionBytes() : "log start offset";
        return new Deletion(count, reason);
    }
}
