package dev.weir.streams.internal;

import dev.weir.streams.serde.Serde;
import dev.weir.streams.state.StoreType;

/**
 * A key-value store of the topology. {@code type} null means the application's default
 * ({@code default.dsl.store}). Every store is logged to {@code <application.id>-<name>-changelog}.
 */
public record StoreSpec(String name, Serde<?> keySerde, Serde<?> valueSerde, StoreType type) {
    public String changelogTopic(String applicationId) {
        return applicationId + "-" + name + "-changelog";
    }
}
