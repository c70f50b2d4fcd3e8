package dev.weir.common.concurrent;

/**
 * Runs a step that may block for a long time (leaving a cluster without a quorum, say) on a daemon thread of its own
 * and waits for it at most a bounded time, so a stop or a shutdown hook always ends.
 */
public final class BoundedWait {
    private BoundedWait() {
    }

    /**
     * @return the still-running thread if {@code step} did not finish within {@code timeoutMs} (its stack tells where
     *         it is stuck), or null if it finished
     */
    public static Thread run(String threadName, Runnable step, long timeoutMs) {
        Thread thread = new Thread(step, threadName);
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return thread.isAlive() ? thread : null;
    }
}
