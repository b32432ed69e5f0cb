package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.aot.AotDetector;
import org.springframework.test.context.aot.AotTestContextInitializers;

/**
 * {@link LedgerEndToEndTests} on H2 with the application context built from AOT code: failsafe runs
 * it with {@code -Dspring.aot.enabled=true} after {@code spring-boot:process-test-aot} (the Maven
 * profile {@code aot}). Without AOT code for it, Spring's test framework would quietly build the
 * context as usual, so the test also checks that it did not. Only with {@code spring.aot.enabled=true}
 * (as failsafe sets it): a test filter such as {@code -Dtest='io.iowq.sample.**'} also hands it to
 * surefire, which runs without.
 */
@EnabledIfSystemProperty(named = "spring.aot.enabled", matches = "true")
class AotLedgerEndToEndIT extends LedgerEndToEndTests {

    @Test
    void itsContextIsBuiltFromAotCode() {
        assertThat(AotDetector.useGeneratedArtifacts()).as("spring.aot.enabled").isTrue();
        assertThat(new AotTestContextInitializers().isSupportedTestClass(getClass()))
                .as("an AOT initializer for %s", getClass().getSimpleName()).isTrue();
    }
}
