package dev.weir.registry.storage;

/** A named type that a schema takes from {@code subject} at {@code version}. */
public record SchemaReference(String name, String subject, int version) {
}
