package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * {@link LongRunningWorkMonitor}: an item past the threshold is logged once with its stack and
 * counted; one under it is not. The tests call {@link LongRunningWorkMonitor#check()} themselves
 * (the monitor's own thread is tested through the auto-configuration), and an item stays running on
 * its latch until the test has seen what it waits for.
 */
@ExtendWith(OutputCaptureExtension.class)
class LongRunningWorkMonitorTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final IoWqExecutor executor = new IoWqExecutor(IoWqConfig.builder().recordTimes(true).build());
    private final ParkingLot lot = new ParkingLot();

    @AfterEach
    void shutDown() throws InterruptedException {
        lot.releaseAll();
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void workPastTheThresholdIsLoggedOnceWithItsStackAndCounted(CapturedOutput output) {
        LongRunningWorkMonitor monitor = monitor(Duration.ofMillis(20));
        Parked p = lot.park();
        executor.enqueue(executor.work(p::park).hashed("slow-key").unbound());
        await().atMost(PATIENCE).until(p::started);

        await().atMost(PATIENCE).until(() -> {
            monitor.check();
            return monitor.count("ops", WorkClass.UNBOUND) == 1;
        });
        monitor.check();
        monitor.check();

        assertThat(monitor.count("ops", WorkClass.UNBOUND)).isEqualTo(1);
        assertThat(monitor.count("ops", WorkClass.BOUND)).isZero();
        String log = output.getAll();
        assertThat(log.split("has run for", -1)).hasSize(2);
        assertThat(log).contains("key=slow-key", "unbounded", "of ops",
                "longer than iowq.long-running-threshold (PT0.02S)",
                "\tat " + Parked.class.getName() + ".park(Parked.java:");
    }

    @Test
    void workUnderTheThresholdIsNotReported(CapturedOutput output) {
        LongRunningWorkMonitor monitor = monitor(Duration.ofDays(1));
        Parked p = lot.park();
        executor.enqueue(executor.work(p::park));
        await().atMost(PATIENCE).until(p::started);

        monitor.check();

        assertThat(monitor.count("ops", WorkClass.BOUND)).isZero();
        assertThat(output.getAll()).doesNotContain("has run for");
    }

    @Test
    void theCountIsTheMeterIoWqWorkLongRunning() {
        LongRunningWorkMonitor monitor = monitor(Duration.ofMillis(20));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new IoWqMeterBinder("ops", executor, null, monitor).bindTo(registry);
        Parked p = lot.park();
        executor.enqueue(executor.work(p::park));
        await().atMost(PATIENCE).until(p::started);

        await().atMost(PATIENCE).until(() -> {
            monitor.check();
            return registry.get("iowq.work.long.running").tags("name", "ops", "class", "bounded")
                    .functionCounter().count() == 1;
        });
        assertThat(registry.get("iowq.work.long.running").tags("name", "ops", "class", "unbounded")
                .functionCounter().count()).isZero();
    }

    @Test
    void theMonitorLooksEveryHalfThresholdBetween10MillisAndASecond() {
        assertThat(new LongRunningWorkMonitor(Duration.ofMillis(5), Map::of).periodMillis()).isEqualTo(10);
        assertThat(new LongRunningWorkMonitor(Duration.ofMillis(300), Map::of).periodMillis()).isEqualTo(150);
        assertThat(new LongRunningWorkMonitor(Duration.ofMinutes(1), Map::of).periodMillis()).isEqualTo(1000);
    }

    @Test
    void aThresholdMustBePositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> new LongRunningWorkMonitor(Duration.ZERO, Map::of));
    }

    private LongRunningWorkMonitor monitor(Duration threshold) {
        return new LongRunningWorkMonitor(threshold, () -> Map.of("ops", executor));
    }

}
