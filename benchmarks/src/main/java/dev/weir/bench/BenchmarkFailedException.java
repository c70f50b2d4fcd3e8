package dev.weir.bench;

/** A phase could not complete (send errors, too few records to consume); exit code 1. */
final class BenchmarkFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BenchmarkFailedException(String message) {
        super(message);
    }

    BenchmarkFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
