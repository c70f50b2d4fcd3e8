package dev.weir.streams.state;

/** How a store keeps its data locally; both are logged to a changelog topic. */
public enum StoreType {
    /** RocksDB under {@code state.dir}; survives a clean restart without a full restore. */
    ROCKS_DB,
    /** A sorted in-memory map; rebuilt from its changelog when a task starts. */
    IN_MEMORY;

    /** Parses {@code default.dsl.store}: {@code rocksDB} or {@code in_memory} (Kafka Streams' values). */
    public static StoreType parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT).replace("_", "").replace("-", "")) {
            case "rocksdb" -> ROCKS_DB;
            case "inmemory", "memory" -> IN_MEMORY;
            default -> throw new IllegalArgumentException("default.dsl.store '" + s
                    + "' is not a store type: use rocksDB or in_memory");
        };
    }
}
