package dev.weir.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Tag;

/**
 * The testkit starts components by name through common's SPI, so it compiles against no component: that is what
 * lets log-server's own tests use it without a dependency cycle. Its behaviour is tested from log-server's tests
 * (dev.weir.testkit there), where a broker is on the class path. One package, so no cycle rule.
 */
@Tag("fast")
@AnalyzeClasses(packages = "dev.weir.testkit", importOptions = ImportOption.DoNotIncludeTests.class)
public class ArchitectureTest {

    @ArchTest
    public static final ArchRule NO_COMPONENT_CLASSES = noClasses()
            .that().resideInAPackage("dev.weir.testkit..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.weir.log..", "dev.weir.registry..",
                    "dev.weir.streams..", "ch.qos.logback..")
            .as("the testkit names no component's classes and brings no logging backend");
}
