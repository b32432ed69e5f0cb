package io.iowq.sample;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.testcontainers.DockerClientFactory;

/**
 * Which PostgreSQL server the tests run on:
 * <ol>
 * <li>the server named by {@code IOWQ_SAMPLE_POSTGRES_URL} (with {@code IOWQ_SAMPLE_POSTGRES_USERNAME}
 * and {@code _PASSWORD}), if set — {@code .ci/run} installs, starts and names one when there is no
 * Docker, and profile {@code postgres} reads these variables;</li>
 * <li>else a Testcontainers container, if Docker is available;</li>
 * <li>else none: the tests are skipped on a developer's machine, and fail under {@code CI=true}, where
 * a skipped database test would pass for a tested one.</li>
 * </ol>
 */
final class PostgresServer implements ExecutionCondition {

    static final String URL = "IOWQ_SAMPLE_POSTGRES_URL";

    enum Source { ENVIRONMENT, CONTAINER, NONE }

    private static volatile Source source;

    static Source source() {
        Source s = source;
        if (s == null) {
            String url = System.getenv(URL);
            if (url != null && !url.isBlank()) {
                s = Source.ENVIRONMENT;
            } else {
                s = DockerClientFactory.instance().isDockerAvailable() ? Source.CONTAINER : Source.NONE;
            }
            source = s;
        }
        return s;
    }

    private static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the tests only where there is no server and this is not CI. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (source() == Source.NONE && !onCi()) {
            return ConditionEvaluationResult.disabled("No PostgreSQL: set " + URL + " (bash .ci/run does, after "
                    + "installing and starting a local server) or make Docker available");
        }
        return ConditionEvaluationResult.enabled("PostgreSQL from " + source());
    }

    /**
     * Fails, with what to do, if there is no server to run on, or if the one named by the environment
     * does not answer.
     */
    static void check() {
        if (source() == Source.NONE) {
            throw new AssertionError("CI=true but no PostgreSQL: " + URL + " is not set and Docker is not available; "
                    + ".ci/run sources .ci/postgres to install and start a local server when there is no Docker");
        }
        if (source() == Source.ENVIRONMENT) {
            try (Connection ignored = connect()) {
                // it answers
            } catch (SQLException e) {
                throw new AssertionError("Cannot connect to the PostgreSQL server " + System.getenv(URL) + " named by "
                        + URL + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Drops {@code schema} from the server named by the environment, if that is where the tests ran;
     * a container goes away with its data. A failure is only reported: it leaves a schema behind.
     */
    static void dropSchema(String schema) {
        if (source() != Source.ENVIRONMENT) {
            return;
        }
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("Could not drop the test schema " + schema + ": " + e.getMessage());
        }
    }

    /** A connection to the server named by the environment. */
    static Connection connect() throws SQLException {
        return DriverManager.getConnection(System.getenv(URL), System.getenv("IOWQ_SAMPLE_POSTGRES_USERNAME"),
                System.getenv("IOWQ_SAMPLE_POSTGRES_PASSWORD"));
    }

    /** Whether to start a container for the test's context. */
    static final class InContainer implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return source() == Source.CONTAINER;
        }
    }
}
