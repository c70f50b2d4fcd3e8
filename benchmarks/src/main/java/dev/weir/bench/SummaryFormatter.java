package dev.weir.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Turns a {@link PhaseResult} into the one-line text and JSON summaries PerfTool prints.
 *
 * <p>The JSON is written by hand (flat, numbers and a few fixed strings) so the module needs no
 * JSON library; it is meant to be pasted into docs/benchmarks.md or read by scripts.
 */
final class SummaryFormatter {

    /** The kafka-clients version on the classpath, recorded so pasted figures say what measured them. */
    static final String CLIENT_VERSION = readClientVersion();

    private SummaryFormatter() {
    }

    private static String readClientVersion() {
        try (InputStream in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** E.g. {@code produce: 1000000 records, 1024 B, 12.3 s, 81234 rec/s, 79.3 MB/s, latency ms p50 3 ...}. */
    static String text(PhaseResult result) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s: %d records, %d B, %.1f s, %.0f rec/s, %.1f MB/s",
                result.phase(), result.records(), result.recordSize(), result.seconds(),
                result.recordsPerSecond(), result.megabytesPerSecond()));
        result.latency().ifPresent(latency -> line.append(String.format(Locale.ROOT,
                ", latency ms p50 %s p99 %s p99.9 %s max %s",
                millis(latency.p50Ms()), millis(latency.p99Ms()), millis(latency.p999Ms()),
                millis(latency.maxMs()))));
        result.commitLatency().ifPresent(commit -> line.append(String.format(Locale.ROOT,
                ", %d transactions of %d, commit ms p50 %s p99 %s p99.9 %s max %s",
                result.transactions(), result.transactions() == 0 ? 0 : result.records() / result.transactions(),
                millis(commit.p50Ms()), millis(commit.p99Ms()), millis(commit.p999Ms()), millis(commit.maxMs()))));
        return line.toString();
    }

    /** One JSON object on one line; {@code settings} describes the run (client configs, bootstrap). */
    static String json(PhaseResult result, PerfOptions settings) {
        StringBuilder json = new StringBuilder("{");
        field(json, "phase", quote(result.phase()));
        field(json, "records", Long.toString(result.records()));
        field(json, "recordSize", Integer.toString(result.recordSize()));
        field(json, "seconds", decimal(result.seconds(), 3));
        field(json, "recordsPerSec", decimal(result.recordsPerSecond(), 1));
        field(json, "mbPerSec", decimal(result.megabytesPerSecond(), 2));
        result.latency().ifPresent(latency -> {
            field(json, "latencyP50Ms", decimal(latency.p50Ms(), 3));
            field(json, "latencyP99Ms", decimal(latency.p99Ms(), 3));
            field(json, "latencyP999Ms", decimal(latency.p999Ms(), 3));
            field(json, "latencyMaxMs", decimal(latency.maxMs(), 3));
        });
        result.commitLatency().ifPresent(commit -> {
            field(json, "transactions", Long.toString(result.transactions()));
            field(json, "recordsPerTransaction", Integer.toString(settings.recordsPerTransaction));
            field(json, "commitP50Ms", decimal(commit.p50Ms(), 3));
            field(json, "commitP99Ms", decimal(commit.p99Ms(), 3));
            field(json, "commitP999Ms", decimal(commit.p999Ms(), 3));
            field(json, "commitMaxMs", decimal(commit.maxMs(), 3));
        });
        field(json, "bootstrap", quote(settings.bootstrapServer));
        field(json, "topic", quote(settings.topic));
        field(json, "acks", quote(settings.acks));
        field(json, "lingerMs", Integer.toString(settings.lingerMs));
        field(json, "batchSize", Integer.toString(settings.batchSize));
        field(json, "compression", quote(settings.compression));
        field(json, "clientVersion", quote(CLIENT_VERSION));
        return json.append('}').toString();
    }

    /** Whole milliseconds when that loses little, else one decimal: "3", "12", "0.8", "2.4". */
    static String millis(double ms) {
        return ms >= 10 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
    }

    private static void field(StringBuilder json, String name, String value) {
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(name).append("\":").append(value);
    }

    private static String decimal(double value, int places) {
        return String.format(Locale.ROOT, "%." + places + "f", value);
    }

    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
