package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.spring.Hashed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

/** The failure analyzers are registered: a real application that fails to start prints their report. */
@ExtendWith(OutputCaptureExtension.class)
class FailureReportTests {

    @Test
    void anInvalidPropertyIsReportedByIowqsAnalyzer(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("iowq.unbounded.max-workers=0").run()).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START",
                "the property 'iowq.unbounded.max-workers' is set to '0'", "Allowed: an integer of at least 1",
                "Set iowq.unbounded.max-workers to an integer of at least 1");
    }

    @Test
    void aValueThatDoesNotConvertIsReportedByIowqsAnalyzer(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("iowq.idle-timeout=whenever").run()).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START",
                "the property 'iowq.idle-timeout' is set to 'whenever'", "Allowed: a duration of zero or more");
    }

    @Test
    void aWrongHashedIsReportedByIowqsAnalyzer(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(BadApp.class).web(WebApplicationType.NONE).run())
                .isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START", "Wrong use of @Hashed or @Unbounded on",
                "Unparsable.post(String)", "does not parse");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    @Import(Unparsable.class)
    static class BadApp {
    }

    static class Unparsable {
        @Async
        @Hashed("#id..")
        public void post(String id) {
        }
    }
}
