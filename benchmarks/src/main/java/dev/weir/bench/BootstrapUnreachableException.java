package dev.weir.bench;

/** The bootstrap did not answer in time; PerfTool turns this into a clear message and exit code 3. */
final class BootstrapUnreachableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BootstrapUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
