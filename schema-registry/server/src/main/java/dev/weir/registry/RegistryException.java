package dev.weir.registry;

/**
 * An error a client sees: HTTP status plus Confluent's {@code error_code} and a message naming the
 * problem. The REST layer turns it into {@code {"error_code":..., "message":...}}.
 */
public final class RegistryException extends RuntimeException {
    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() { return status; }
    public int errorCode() { return errorCode; }

    public static RegistryException subjectNotFound(String s) {
        return new RegistryException(404, 40401, "Subject '" + s + "' not found.");
    }
    public static RegistryException versionNotFound(String v) {
        return new RegistryException(404, 40402, "Version " + v + " not found.");
    }
    public static RegistryException schemaNotFound(String what) {
        return new RegistryException(404, 40403, what);
    }
    public static RegistryException subjectSoftDeleted(String s) {
        return new RegistryException(404, 40404, "Subject '" + s + "' was soft deleted. Set permanent=true to delete permanently");
    }
    public static RegistryException subjectNotSoftDeleted(String s) {
        return new RegistryException(404, 40405, "Subject '" + s + "' was not deleted first before being permanently deleted");
    }
    public static RegistryException versionSoftDeleted(String s, int v) {
        return new RegistryException(404, 40406, "Subject '" + s + "' Version " + v
                + " was soft deleted. Set permanent=true to delete permanently");
    }
    public static RegistryException versionNotSoftDeleted(String s, int v) {
        return new RegistryException(404, 40407, "Subject '" + s + "' Version " + v
                + " was not deleted first before being permanently deleted");
    }
    public static RegistryException invalidSchema(String why) {
        return new RegistryException(422, 42201, "Invalid schema: " + why);
    }
    public static RegistryException invalidVersion(String v) {
        return new RegistryException(422, 42202, "The specified version '" + v
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }
    public static RegistryException invalidCompatibility(String l) {
        return new RegistryException(422, 42203, "Invalid compatibility level '" + l + "'. Valid values are "
                + java.util.Arrays.toString(CompatibilityLevel.values()));
    }
    public static RegistryException invalidMode(String m) {
        return new RegistryException(422, 42204, "Invalid mode '" + m + "'. Valid values are "
                + java.util.Arrays.toString(Mode.values()));
    }
    public static RegistryException notPermitted(String why) {
        return new RegistryException(422, 42205, why);
    }
    public static RegistryException referenceExists(String why) {
        return new RegistryException(422, 42206, why);
    }
    public static RegistryException idInUse(String why) {
        return new RegistryException(422, 42207, why);
    }
    public static RegistryException storeError(String why) {
        return new RegistryException(500, 50001, "Error in the backend data store - " + why);
    }
    public static RegistryException timeout(String why) {
        return new RegistryException(500, 50002, "Operation timed out - " + why);
    }
    public static RegistryException forwardError(String why) {
        return new RegistryException(500, 50003, "Error while forwarding the request to the leader - " + why);
    }
    /** Confluent's "unknown leader" code: no instance is known to lead, so a write cannot be served now. */
    public static final int UNKNOWN_LEADER = 50004;

    public static RegistryException unknownLeader(String why) {
        return new RegistryException(500, UNKNOWN_LEADER, "Unknown leader: " + why);
    }
}
