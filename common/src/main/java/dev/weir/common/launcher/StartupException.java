package dev.weir.common.launcher;

import java.net.BindException;
import java.nio.file.Path;

/**
 * Why a component cannot start, in one line that names the thing at fault and the fix, e.g.
 * {@code port 9092 on 127.0.0.1 is already in use (listeners=PLAINTEXT://127.0.0.1:9092): stop the process
 * holding it or choose another port with --override listeners=PLAINTEXT://127.0.0.1:PORT}. The launcher prints
 * the message alone; the cause's stack trace only with {@code --stacktrace}.
 */
public final class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A listener's port is taken.
     *
     * @param configKey the config that chose the port (e.g. {@code listeners})
     * @param example   what a corrected setting looks like, with {@code PORT} for the port
     */
    public static StartupException portInUse(String configKey, String configValue, String host, int port,
                                             String example, Throwable cause) {
        return new StartupException("port " + port + " on " + host + " is already in use (" + configKey + "="
                + configValue + "): stop the process holding it or choose another port with --override "
                + configKey + "=" + example, cause);
    }

    /** A data directory cannot be created, written or locked. */
    public static StartupException unusableDirectory(String configKey, Path dir, String why, Throwable cause) {
        return new StartupException("directory " + dir + " (" + configKey + ") " + why, cause);
    }

    /** True when {@code t} or one of its causes is a failed bind (address in use). */
    public static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException
                    || (c.getMessage() != null && c.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }
}
