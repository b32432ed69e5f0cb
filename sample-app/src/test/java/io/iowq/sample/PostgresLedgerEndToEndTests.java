package io.iowq.sample;

import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * {@link LedgerEndToEndTests} on PostgreSQL (profile {@code postgres}): in a Testcontainers container
 * where Docker is available, else on the local server that {@code .ci/run} installs and starts (see
 * {@link PostgresServer}).
 * <p>
 * The run gets a schema of its own, created by each connection of the pool and dropped at the end:
 * the ledger resumes every pending entry of its database when it starts, and must not find those of
 * another run that shares the server.
 */
@ActiveProfiles("postgres")
@ExtendWith(PostgresServer.class)
@Import(PostgresLedgerEndToEndTests.Container.class)
class PostgresLedgerEndToEndTests extends LedgerEndToEndTests {

    private static final String SCHEMA = "ledger_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @BeforeAll
    static void server() {
        PostgresServer.check();
    }

    @DynamicPropertySource
    static void ownSchema(DynamicPropertyRegistry properties) {
        properties.add("spring.datasource.hikari.schema", () -> SCHEMA);
        properties.add("spring.datasource.hikari.connection-init-sql", () -> "CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
    }

    @AfterAll
    static void dropSchema() {
        PostgresServer.dropSchema(SCHEMA);
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
