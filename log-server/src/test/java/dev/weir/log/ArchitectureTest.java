package dev.weir.log;

import org.junit.jupiter.api.Tag;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of log-server's packages, checked on its main classes (bytecode, so fully qualified names and
 * method calls count as much as imports). {@link ArchitectureRulesCanFailTest} runs the same rule objects against
 * classes that break them.
 *
 * <pre>
 *   server ─▶ api ─▶ group, txn ─▶ replica ─▶ protocol ─▶ storage
 *   network ─▶ protocol         (cluster, config, concurrent below; tools stands alone)
 * </pre>
 */
@AnalyzeClasses(packages = "dev.weir.log", importOptions = ImportOption.DoNotIncludeTests.class)
@Tag("fast")
public class ArchitectureTest {

    /** No two packages of dev.weir.log (with their subpackages) depend on each other, directly or around a loop. */
    @ArchTest
    public static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.weir.log.(*)..")
            .should().beFreeOfCycles();

    /** Request handlers reach the log only through replica's read and append methods and value types. */
    @ArchTest
    public static final ArchRule API_NEVER_TOUCHES_STORAGE = noClasses()
            .that().resideInAPackage("dev.weir.log.api..")
            .should().dependOnClassesThat().resideInAPackage("dev.weir.log.storage..")
            .as("dev.weir.log.api never depends on dev.weir.log.storage");

    /**
     * kafka-clients' wire-level classes (request/response framing, error codes, record batches) stay in protocol;
     * other packages may use the generated {@code org.apache.kafka.common.message} classes and the common types.
     */
    @ArchTest
    public static final ArchRule KAFKA_WIRE_CLASSES_ONLY_IN_PROTOCOL = noClasses()
            .that().resideOutsideOfPackage("dev.weir.log.protocol..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.apache.kafka.common.requests..",
                    "org.apache.kafka.common.protocol..",
                    "org.apache.kafka.common.record..")
            .as("only dev.weir.log.protocol uses kafka-clients' requests, protocol and record packages");

    /** protocol is the wire codec and dispatcher: it knows handlers only by its own ApiHandler contract. */
    @ArchTest
    public static final ArchRule PROTOCOL_DEPENDS_ON_NOTHING_ABOVE_IT = noClasses()
            .that().resideInAPackage("dev.weir.log.protocol..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "dev.weir.log.api..",
                    "dev.weir.log.replica..",
                    "dev.weir.log.group..",
                    "dev.weir.log.txn..",
                    "dev.weir.log.server..")
            .as("dev.weir.log.protocol depends on no layer above it (api, replica, group, txn, server)");
}
