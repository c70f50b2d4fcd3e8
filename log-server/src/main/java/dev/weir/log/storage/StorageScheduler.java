package dev.weir.log.storage;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The background scheduler used by partition logs opened without one (tests, tools): a single daemon thread
 * for delayed file deletion and flushes after a roll. The broker passes its own scheduler instead.
 */
final class StorageScheduler {

    private StorageScheduler() {
    }

    private static final class Holder {
        static final ScheduledExecutorService SHARED = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-storage-background");
            t.setDaemon(true);
            return t;
        });
    }

    static ScheduledExecutorService shared() {
        return Holder.SHARED;
    }
}
