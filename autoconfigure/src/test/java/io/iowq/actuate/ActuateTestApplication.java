package io.iowq.actuate;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableAsync;

/** The application the Actuator tests start: auto-configuration, {@code @Async}, and {@link SlowWork}. */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableAsync
public class ActuateTestApplication {

    @Bean
    SlowWork slowWork() {
        return new SlowWork();
    }
}
