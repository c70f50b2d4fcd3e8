package dev.weir.common.launcher;

import java.util.Map;

/**
 * Starts one kind of component from its raw config. Implementations are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.weir.common.launcher.ComponentFactory}), which is how {@code bin/weir} and the
 * testkit start a component without compiling against its module.
 */
public interface ComponentFactory {

    /** The command name: {@code server}, {@code registry}, {@code connect}. */
    String name();

    /** One line for {@code --help}. */
    String description();

    /**
     * Starts the component and returns once it is ready (see {@link Component}).
     *
     * @throws dev.weir.common.config.ConfigException for a config value that cannot be used
     * @throws StartupException for anything else that stops it from starting, naming the cause and the fix
     */
    Component start(Map<String, String> config);
}
