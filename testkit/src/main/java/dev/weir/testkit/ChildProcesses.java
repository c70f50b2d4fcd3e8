package dev.weir.testkit;

import java.util.concurrent.TimeUnit;

/** What the child-JVM fixtures share. */
final class ChildProcesses {
    private ChildProcesses() {
    }

    /** SIGKILL, then wait up to 10 s for the process to be gone; a null or exited process is left alone. */
    static void killQuietly(Process process) {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the kill is sent; let the caller's interruption win
            }
        }
    }
}
