package dev.weir.common.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The component factories on the class path, by name. */
public final class Components {
    private Components() {
    }

    public static List<ComponentFactory> all() {
        List<ComponentFactory> out = new ArrayList<>();
        ServiceLoader.load(ComponentFactory.class).forEach(out::add);
        return out;
    }

    /** @throws IllegalArgumentException naming the components that are on the class path */
    public static ComponentFactory factory(String name) {
        List<ComponentFactory> all = all();
        return all.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no component '" + name + "' on the class path (found: "
                        + all.stream().map(ComponentFactory::name).toList() + ")"));
    }

    public static Component start(String name, Map<String, String> config) {
        return factory(name).start(config);
    }
}
