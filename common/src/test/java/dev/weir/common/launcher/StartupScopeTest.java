package dev.weir.common.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StartupScopeTest {

    @Test
    void aFailedStartClosesWhatStartedNewestFirst() {
        List<String> closed = new ArrayList<>();
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> {
            try (StartupScope scope = new StartupScope()) {
                scope.add(() -> closed.add("pool"));
                scope.onFailure(() -> closed.add("listener"));
                throw new IllegalStateException("step 3 failed");
            }
        });
        assertEquals("step 3 failed", failure.getMessage());
        assertEquals(List.of("listener", "pool"), closed);
    }

    @Test
    void aSuccessfulStartClosesNothing() {
        List<String> closed = new ArrayList<>();
        try (StartupScope scope = new StartupScope()) {
            scope.add(() -> closed.add("pool"));
            scope.started();
        }
        assertEquals(List.of(), closed);
    }

    @Test
    void aFailureWhileUndoingIsKeptBesideTheCause() {
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> {
            try (StartupScope scope = new StartupScope()) {
                scope.add(() -> {
                    throw new IllegalArgumentException("close failed");
                });
                throw new IllegalStateException("start failed");
            }
        });
        assertEquals("start failed", failure.getMessage());
        assertEquals("close failed", failure.getSuppressed()[0].getCause().getMessage());
    }

    @Test
    void describeGivesOneLine() {
        StartupException named = StartupException.portInUse("listeners", "PLAINTEXT://h:1", "h", 1, "PLAINTEXT://h:PORT",
                new BindException("Address already in use"));
        assertEquals("port 1 on h is already in use (listeners=PLAINTEXT://h:1): stop the process holding it or "
                + "choose another port with --override listeners=PLAINTEXT://h:PORT",
                Launcher.describe(new RuntimeException("wrapper", named)));
        assertTrue(StartupException.isBindFailure(new RuntimeException(new BindException("Address already in use"))));
        assertEquals("NullPointerException: x", Launcher.describe(new RuntimeException(new NullPointerException("x"))));
    }
}
