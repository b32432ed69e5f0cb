package io.iowq.actuate;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * One HTTP exchange with the server under test: its status and body, with JSON paths read from the
 * body. Each exchange can be kept as an example under {@code target/iowq-actuator-examples/}, from
 * which {@code docs/operations.md} takes its requests and answers.
 */
record Answer(int status, String body) {

    private static final Path EXAMPLES = Path.of("target", "iowq-actuator-examples");

    static Answer call(RestTestClient client, HttpMethod method, String path, String json) {
        RestTestClient.RequestBodySpec spec = client.method(method).uri(path);
        if (json != null) {
            spec.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        EntityExchangeResult<String> result = spec.exchange().returnResult(String.class);
        String body = result.getResponseBody();
        return new Answer(result.getStatus().value(), body == null ? "" : body);
    }

    <T> T read(String path) {
        return JsonPath.read(body, path);
    }

    /** Keeps this exchange as the example {@code name}. */
    Answer keep(String name, HttpMethod method, String path, String json) {
        try {
            Files.createDirectories(EXAMPLES);
            String text = method + " " + path + System.lineSeparator()
                    + (json == null ? "" : json + System.lineSeparator())
                    + "-> " + status + System.lineSeparator() + body + System.lineSeparator();
            Files.writeString(EXAMPLES.resolve(name + ".txt"), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
