package dev.weir.streams;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Tag;

/**
 * streams-api's layering, on its main classes: no cycles among its packages, and a library on kafka-clients
 * alone (no broker classes, no logging backend).
 */
@Tag("fast")
@AnalyzeClasses(packages = "dev.weir.streams", importOptions = ImportOption.DoNotIncludeTests.class)
public class ArchitectureTest {

    @ArchTest
    public static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.weir.streams.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    public static final ArchRule A_LIBRARY_ON_KAFKA_CLIENTS_ONLY = noClasses()
            .that().resideInAPackage("dev.weir.streams..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.weir.log..", "ch.qos.logback..",
                    "org.apache.kafka.streams..")
            .as("streams-api uses neither log-server, Kafka Streams nor a logging backend");
}
