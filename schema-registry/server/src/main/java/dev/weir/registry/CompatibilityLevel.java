package dev.weir.registry;

/** Confluent's compatibility levels. */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** @return the level, or null if {@code s} names none (case-insensitive) */
    public static CompatibilityLevel parse(String s) {
        if (s == null) {
            return null;
        }
        for (CompatibilityLevel l : values()) {
            if (l.name().equalsIgnoreCase(s.trim())) {
                return l;
            }
        }
        return null;
    }

    public boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /** New schema must read data written with old ones. */
    public boolean backward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Old schemas must read data written with the new one. */
    public boolean forward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }
}
