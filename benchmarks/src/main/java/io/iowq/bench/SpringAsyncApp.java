package io.iowq.bench;

import io.iowq.core.IoWq;
import io.iowq.core.Work;
import io.iowq.spring.IoWqExecutor;
import java.util.concurrent.Executors;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * The application of the Spring-level scenario: Spring Boot's auto-configuration, {@code @EnableAsync}
 * and one bean of {@code @Async} methods. {@link SpringPeer} starts it with the properties of each peer.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableAsync
@Import(AsyncCalls.class)
public class SpringAsyncApp {

    /** The striped executor of the keyed peer (8 stripes, as in scenario 4). */
    @Bean
    @ConditionalOnBooleanProperty("bench.striped")
    StripedExecutor stripedExecutor() {
        return new StripedExecutor(8, Executors.defaultThreadFactory());
    }

    /**
     * For the cost of the layers: an {@code applicationTaskExecutor} that takes {@code @Async} calls
     * through iowq's interceptor as the starter's does but never runs them (the engine is left out
     * of the measurement). iowq's auto-configuration backs off for it; its interceptor stays.
     */
    @Bean("applicationTaskExecutor")
    @ConditionalOnBooleanProperty("bench.dropping")
    IoWqExecutor droppingExecutor() {
        return new IoWqExecutor(new IoWq()) {
            @Override
            public <V> Work<V> enqueue(Work<V> work) {
                return work;
            }
        };
    }
}
