package dev.weir.common;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Tag;

/** common is the bottom of every component: no package cycles, and none of the libraries it must not bring. */
@Tag("fast")
@AnalyzeClasses(packages = "dev.weir.common", importOptions = ImportOption.DoNotIncludeTests.class)
public class ArchitectureTest {

    @ArchTest
    public static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.weir.common.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    public static final ArchRule NO_NETWORKING_CLUSTER_OR_LOGGING_BACKEND = noClasses()
            .that().resideInAPackage("dev.weir.common..")
            .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "com.hazelcast..", "ch.qos.logback..",
                    "dev.weir.log..", "dev.weir.registry..", "dev.weir.streams..")
            .as("common depends on no Vert.x, Hazelcast, logging backend or other Weir module");
}
