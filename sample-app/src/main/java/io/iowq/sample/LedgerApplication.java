package io.iowq.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * A small ledger service on iowq: entries are accepted over HTTP and posted in the background, one
 * account at a time and in the order they were accepted, by {@code @Async @Hashed("#accountId")}
 * work; each posting is announced to a slow partner by {@code @Async @Unbounded} work, and the
 * notifications still owed are handed over again by a scheduled outbox relay. See
 * {@code docs/sample.md}.
 */
@SpringBootApplication
@EnableAsync
@EnableScheduling
@ConfigurationPropertiesScan
public class LedgerApplication {

    public static void main(String[] args) {
        SpringApplication.run(LedgerApplication.class, args);
    }
}
