package io.iowq.sample;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * {@link LedgerEndToEndTests} on PostgreSQL (profile {@code postgres}): in a Testcontainers container
 * where Docker is available, else on the local server that {@code .ci/run} installs and starts (see
 * {@link PostgresServer}).
 */
@ActiveProfiles("postgres")
@ExtendWith(PostgresServer.class)
@Import(PostgresLedgerEndToEndTests.Container.class)
class PostgresLedgerEndToEndTests extends LedgerEndToEndTests {

    @BeforeAll
    static void server() {
        PostgresServer.check();
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Container {

        @Bean
        @ServiceConnection
        @Conditional(PostgresServer.InContainer.class)
        PostgreSQLContainer postgres() {
            return new PostgreSQLContainer("postgres:17-alpine");
        }
    }
}
