package dev.weir.log.server;

import dev.weir.common.launcher.Launcher;

/** {@code weir server [--config FILE] [--override key=value]...}: runs one broker until SIGTERM (see {@link Launcher}). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Launcher.run(new BrokerComponentFactory(), args, System.out, System.err));
    }
}
