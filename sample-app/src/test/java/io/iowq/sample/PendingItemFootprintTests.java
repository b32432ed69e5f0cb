package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.spring.Hashed;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Async;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * What one pending {@code @Async} item costs in heap, in this application as it runs (Spring
 * Security's filter chain, Boot's HTTP server observations, the MDC): {@value #PENDING} requests each
 * submit an {@code @Async @Hashed} call ({@link Parking#park}) with one key, so that they wait in iowq
 * behind the first, which the test holds. The heap used after a full GC is taken with them pending,
 * and again once they have all run; the difference over {@value #PENDING} is the bytes each pending
 * item keeps: the item, its future, its captured context. The calls touch no database, so that the
 * figure is the pool's and not H2's. Printed, with the classes whose live count grew by at least one
 * per pending item; it must stay under {@link #MAX_BYTES_PER_ITEM}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.datasource.url=jdbc:h2:mem:ledger-footprint;DB_CLOSE_DELAY=-1")
@Import(PendingItemFootprintTests.Parking.class)
@DirtiesContext
class PendingItemFootprintTests {

    private static final int PENDING = 4_000;
    private static final int CLIENTS = 8;
    /** The bound a pending item must stay under: see docs/sample.md for the measured figure. */
    private static final long MAX_BYTES_PER_ITEM = 1_500;
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @LocalServerPort
    private int port;

    @Autowired
    private Parking parking;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    @Test
    void aPendingAsyncItemKeepsOnlyWhatItNeeds() throws Exception {
        LedgerClient api = new LedgerClient(port);
        call(api, "warm", 2_000); // warms up the request path: classes, caches, pools
        await().atMost(PATIENCE).until(() -> parking.ran.get() == 2_000);

        parking.hold();
        call(api, "held", 1);
        await().atMost(PATIENCE).until(() -> parking.waiting.get() == 1);
        long before = heapUsedAfterGc();
        String histogramBefore = histogram();
        call(api, "held", PENDING);
        await().atMost(PATIENCE).until(() -> pending(api) == PENDING);
        long withPending = heapUsedAfterGc();
        String histogramWithPending = histogram();
        parking.release();
        await().atMost(PATIENCE).until(() -> parking.ran.get() == 2_000 + 1 + PENDING && pending(api) == 0);
        long after = heapUsedAfterGc();

        long perItem = (withPending - after) / PENDING;
        System.out.printf("PendingItemFootprintTests: heap used after a full GC %,d bytes with 1 item running, %,d "
                        + "with %,d more pending, %,d once they ran: %,d bytes per pending item (%,d against the "
                        + "first figure)%n%s", before, withPending, PENDING, after, perItem,
                (withPending - before) / PENDING, grownClasses(histogramWithPending, histogramBefore));
        assertThat(perItem).as("bytes kept per pending item").isLessThan(MAX_BYTES_PER_ITEM);
    }

    private static long pending(LedgerClient api) {
        return ((Number) api.get("/actuator/iowq").get("pending")).longValue();
    }

    /** {@code count} requests to {@code POST /footprint/{key}} from {@value #CLIENTS} clients. */
    private void call(LedgerClient api, String key, int count) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                sent.add(clients.submit(() -> {
                    for (int i = client; i < count; i += CLIENTS) {
                        assertThat(api.http().post().uri("/footprint/{key}", key).retrieve().toBodilessEntity()
                                .getStatusCode().value()).isEqualTo(202);
                    }
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /** An {@code @Async @Hashed} call per request, each held while the test holds them. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Parking {

        final AtomicInteger ran = new AtomicInteger();
        final AtomicInteger waiting = new AtomicInteger();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        @Bean
        Parked parked() {
            return new Parked(this);
        }

        @Bean
        Door door(Parked parked) {
            return new Door(parked);
        }
    }

    /** The calls: one key at a time, in order. */
    static class Parked {

        private final Parking parking;

        Parked(Parking parking) {
            this.parking = parking;
        }

        @Async
        @Hashed("#key")
        public CompletableFuture<Void> park(String key) throws InterruptedException {
            parking.waiting.incrementAndGet();
            parking.gate.await();
            parking.waiting.decrementAndGet();
            parking.ran.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }
    }

    @RestController
    static class Door {

        private final Parked parked;

        Door(Parked parked) {
            this.parked = parked;
        }

        @PostMapping("/footprint/{key}")
        @ResponseStatus(HttpStatus.ACCEPTED)
        void call(@PathVariable String key) throws InterruptedException {
            parked.park(key);
        }
    }

    private long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            memory.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** The JVM's class histogram of live objects (a full GC first), as {@code jcmd GC.class_histogram} prints it. */
    private static String histogram() throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
    }

    /** The classes with at least one more live instance per pending item when they were pending. */
    private static String grownClasses(String pending, String settled) {
        Map<String, long[]> before = parse(settled);
        StringBuilder out = new StringBuilder();
        parse(pending).forEach((name, counts) -> {
            long[] was = before.getOrDefault(name, new long[2]);
            long instances = counts[0] - was[0];
            if (instances >= PENDING) {
                out.append(String.format("  %+,9d instances %+,12d bytes  %s%n", instances, counts[1] - was[1], name));
            }
        });
        return out.toString();
    }

    private static Map<String, long[]> parse(String histogram) {
        Map<String, long[]> classes = new TreeMap<>();
        for (String line : histogram.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return classes;
    }
}
