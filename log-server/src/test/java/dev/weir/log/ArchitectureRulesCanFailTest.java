package dev.weir.log;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.weir.log.api.archfixture.ApiReachingIntoStorage;
import dev.weir.log.group.archfixture.GroupDecodingRequests;
import dev.weir.log.protocol.archfixture.ProtocolCallingApi;
import org.junit.jupiter.api.Test;

/**
 * {@link ArchitectureTest}'s rule objects, evaluated against test-only classes that break each of them: every rule
 * reports its violation, naming the offending class. A rule that could not fail would pass here only by accident.
 */
@Tag("fast")
class ArchitectureRulesCanFailTest {
    private static final JavaClasses VIOLATORS = new ClassFileImporter().importClasses(
            ApiReachingIntoStorage.class, ProtocolCallingApi.class, GroupDecodingRequests.class);

    @Test
    void packageCycleIsReported() {
        assertViolation(ArchitectureTest.NO_PACKAGE_CYCLES, "api.archfixture.ApiReachingIntoStorage");
    }

    @Test
    void apiUsingStorageIsReported() {
        assertViolation(ArchitectureTest.API_NEVER_TOUCHES_STORAGE, "dev.weir.log.storage.FileSlice");
    }

    @Test
    void kafkaWireClassesOutsideProtocolAreReported() {
        assertViolation(ArchitectureTest.KAFKA_WIRE_CLASSES_ONLY_IN_PROTOCOL,
                "org.apache.kafka.common.requests.AbstractRequest");
    }

    @Test
    void protocolDependingOnApiIsReported() {
        assertViolation(ArchitectureTest.PROTOCOL_DEPENDS_ON_NOTHING_ABOVE_IT, "ProtocolCallingApi");
    }

    private static void assertViolation(ArchRule rule, String named) {
        EvaluationResult result = rule.evaluate(VIOLATORS);
        assertTrue(result.hasViolation(), rule.getDescription() + " reported nothing");
        String report = String.join("\n", result.getFailureReport().getDetails());
        assertTrue(report.contains(named), "expected a violation naming " + named + ":\n" + report);
    }
}
