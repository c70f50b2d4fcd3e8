package dev.weir.streams.internal;

/**
 * The value a table node forwards: the new value and the one it replaced (either may be null: null new
 * = deletion). Carrying the old value lets downstream table operations (filter, re-grouping with a
 * subtractor) retract what they emitted before.
 */
public record Change(Object newValue, Object oldValue) {
}
