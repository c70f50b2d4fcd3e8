package dev.weir.registry;

/** Confluent's registry modes: READWRITE (default), READONLY (no writes), IMPORT (writes with explicit ids). */
public enum Mode {
    READWRITE, READONLY, IMPORT;

    /** @return the mode, or null if {@code s} names none (case-insensitive) */
    public static Mode parse(String s) {
        if (s == null) {
            return null;
        }
        for (Mode m : values()) {
            if (m.name().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        return null;
    }
}
