package io.iowq.kafka;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * The application of the in-process Kafka tests: iowq, Spring Kafka, and the listeners each test
 * imports. No component scan: it would take this module's nested configuration classes for the
 * application's own.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class KafkaTestApplication {
}
