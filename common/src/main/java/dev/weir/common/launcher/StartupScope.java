package dev.weir.common.launcher;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Makes a multi-step start-up failure-atomic: each started resource is registered, and if a later step throws,
 * everything registered so far is closed in reverse order (errors while closing are added as suppressed), so a
 * failed start leaks no threads, ports, directory locks or cluster memberships.
 *
 * <pre>{@code
 * try (StartupScope scope = new StartupScope()) {
 *     Pool pool = scope.add(Pool.start(...));
 *     Listener listener = scope.add(Listener.bind(...));
 *     scope.started();            // from here on the caller owns them
 * }
 * }</pre>
 * Not thread-safe: one starting thread uses it.
 */
public final class StartupScope implements AutoCloseable {
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private boolean committed;

    /** Registers a resource to close should start-up fail; returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        started.push(resource);
        return resource;
    }

    /** Registers an action (e.g. {@code executor::shutdownNow}) to run should start-up fail. */
    public void onFailure(Runnable undo) {
        started.push(undo::run);
    }

    /** Start-up succeeded: nothing is closed when the scope ends. */
    public void started() {
        committed = true;
    }

    /** Closes everything registered, newest first, unless {@link #started()} was called. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        RuntimeException failure = null;
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new RuntimeException("closing after a failed start failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
