package dev.weir.registry;

import dev.weir.common.launcher.Launcher;

/** {@code weir registry [--config FILE] [--override key=value]...}: one registry until SIGTERM (see {@link Launcher}). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Launcher.run(new RegistryComponentFactory(), args, System.out, System.err));
    }
}
