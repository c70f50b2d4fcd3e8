package dev.weir.log.tools;

/**
 * Command-line tools report failures themselves; kafka-clients' own warnings (a reconnect attempt every few
 * hundred ms while a broker is down) would bury the tool's message. The launchers' logback.xml reads the level
 * of {@code org.apache.kafka} from {@code weir.client.log.level}; a tool sets it to ERROR before the first
 * logger exists, unless the user asked otherwise with {@code WEIR_JVM_OPTS=-D<toolProperty>=WARN}.
 */
final class ToolLogging {
    private ToolLogging() {
    }

    static void quietClientLogs(String toolProperty) {
        if (System.getProperty("weir.client.log.level") == null) {
            System.setProperty("weir.client.log.level", System.getProperty(toolProperty, "ERROR"));
        }
    }
}
