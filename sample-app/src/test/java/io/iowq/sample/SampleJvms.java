package io.iowq.sample;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** What the tests that start the sample in JVMs of its own share: its class path, ports, and a run's schema. */
final class SampleJvms {

    /** The id in the sample's answer to an accepted entry. */
    private static final Pattern ID = Pattern.compile("^\\{\"id\"\\s*:\\s*(\\d+)");

    private SampleJvms() {
    }

    /** The test's class path less its own classes: the application's classes and its dependencies. */
    static String applicationClassPath() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("test-classes/"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Checks that the run has a database; starts and returns a container where that is the source, else {@code null}. */
    static PostgreSQLContainer startDatabase() {
        PostgresServer.check();
        if (PostgresServer.source() != PostgresServer.Source.CONTAINER) {
            return null;
        }
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
        container.start();
        return container;
    }

    /** A connection to the run's database ({@code container}'s, else {@link PostgresServer}'s), in {@code schema}. */
    static Connection connect(PostgreSQLContainer container, String schema) throws SQLException {
        Connection db = container != null
                ? DriverManager.getConnection(container.getJdbcUrl(), container.getUsername(), container.getPassword())
                : PostgresServer.connect();
        try (Statement s = db.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            s.execute("SET search_path TO " + schema);
        }
        return db;
    }

    /** The single number {@code sql} selects in {@code schema}. */
    static long count(PostgreSQLContainer container, String schema, String sql) throws SQLException {
        try (Connection db = connect(container, schema); PreparedStatement s = db.prepareStatement(sql);
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The command that starts the sample ({@link LedgerApplication}) with {@code jvmOptions} and
     * {@code arguments}, on the run's schema of {@code container}'s database, else {@link PostgresServer}'s.
     */
    static List<String> command(List<String> jvmOptions, PostgreSQLContainer container, String schema,
                                List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", applicationClassPath(), LedgerApplication.class.getName(),
                "--spring.datasource.hikari.schema=" + schema,
                "--spring.datasource.hikari.connection-init-sql=CREATE SCHEMA IF NOT EXISTS " + schema));
        command.addAll(arguments);
        if (container != null) {
            command.addAll(List.of("--spring.datasource.url=" + container.getJdbcUrl(),
                    "--spring.datasource.username=" + container.getUsername(),
                    "--spring.datasource.password=" + container.getPassword()));
        }
        return command;
    }

    /** {@code POST /accounts/{account}/entries} with {@code body} to the instance on {@code port}. */
    static HttpRequest entryRequest(int port, String account, String body, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/accounts/" + account + "/entries"))
                .header("Content-Type", "application/json")
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** The id of the entry an answer 202 accepted. */
    static long acceptedId(HttpResponse<String> answer) {
        Matcher m = ID.matcher(answer.body());
        if (!m.find()) {
            throw new AssertionError("an entry was expected: " + answer.body());
        }
        return Long.parseLong(m.group(1));
    }
}
