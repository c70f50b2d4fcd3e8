package dev.weir.log.cluster;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/** A topic: its id, partitions and the configs set on it (overrides only; defaults come from the broker). */
public record TopicImage(String name, Uuid id, List<PartitionImage> partitions, Map<String, String> configs) {
    public TopicImage {
        partitions = List.copyOf(partitions);
        configs = Map.copyOf(configs);
    }

    public boolean isInternal() {
        return name.startsWith("__");
    }
}
