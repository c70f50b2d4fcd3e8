package dev.weir.registry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Tag;

/**
 * The registry's layering (server and serde, both on this class path): no package cycles; the serde is a library
 * that knows nothing of the server, of HTTP frameworks or of logging backends.
 */
@Tag("fast")
@AnalyzeClasses(packages = "dev.weir.registry", importOptions = ImportOption.DoNotIncludeTests.class)
public class ArchitectureTest {

    @ArchTest
    public static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.weir.registry.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    public static final ArchRule SERDE_IS_A_LIBRARY = noClasses()
            .that().resideInAPackage("dev.weir.registry.serde..")
            .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "ch.qos.logback..", "picocli..",
                    "dev.weir.registry.rest..", "dev.weir.registry.storage..", "dev.weir.registry.cluster..",
                    "dev.weir.registry.avro..", "dev.weir.common..")
            .as("the serde depends on kafka-clients and Avro only, never on the registry server");

    @ArchTest
    public static final ArchRule NO_BROKER_CLASSES = noClasses()
            .that().resideInAPackage("dev.weir.registry..")
            .should().dependOnClassesThat().resideInAPackage("dev.weir.log..")
            .as("the registry talks to brokers through the Kafka protocol only");
}
