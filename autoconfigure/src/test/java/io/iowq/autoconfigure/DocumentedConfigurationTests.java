package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;

/** The {@code application.yml} example of {@code docs/configuration.md} binds as the page says. */
class DocumentedConfigurationTests {

    @Test
    void theDocumentedExampleBinds() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE).profiles("docs").run()) {
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            IoWqConfig config = executor.ioWq().config();
            assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(24);
            assertThat(config.concurrency(WorkClass.BOUND)).isEqualTo(8);
            assertThat(config.maxWorkers(WorkClass.UNBOUND)).isEqualTo(200);
            assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(config.threadNamePrefix()).isEqualTo("app-iowq-");
            assertThat(executor.getAwaitTermination()).isEqualTo(Duration.ofSeconds(15));
        }
    }

    @Test
    void thePageShowsTheTestedExample() throws Exception {
        String yaml = new ClassPathResource("application-docs.yml").getContentAsString(java.nio.charset.StandardCharsets.UTF_8);
        Path page = Path.of("..", "docs", "configuration.md");
        assertThat(Files.readString(page)).contains(yaml.strip());
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
