package dev.weir.registry.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A request to the schema registry failed. For an error answer of the registry, {@link #errorCode()} is the
 * {@code error_code} of its JSON body (for example 40401 subject not found, 40403 schema not found,
 * 409 incompatible schema, 42201 invalid schema) and {@link #httpStatus()} the HTTP status; for a transport
 * failure both are -1. Extends {@link SerializationException} so that producers and consumers report it as
 * a serialization error, as they do for Confluent's serde.
 */
public class SchemaRegistryException extends SerializationException {

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    /** HTTP status of the registry's answer, or -1 if there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's {@code error_code}, or -1 if there was none. */
    public int errorCode() {
        return errorCode;
    }
}
