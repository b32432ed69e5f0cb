package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class IoWqConfigTest {

    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    private static IoWqConfig.Builder builder() {
        return IoWqConfig.builder().threadLimit(ThreadLimit.of(100_000));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -100})
    void refusesMaxWorkersBelowOneNamingTheValue(int maxWorkers) {
        for (WorkClass c : WorkClass.values()) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder().maxWorkers(c, maxWorkers).build())
                    .withMessage(c.tag() + " maxWorkers must be at least 1, was " + maxWorkers);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkClass.class)
    void refusesConcurrencyAboveMaxWorkersNamingBoth(WorkClass c) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder().maxWorkers(c, 2).concurrency(c, 3).build())
                .withMessage(c.tag() + " concurrency must not exceed maxWorkers (2), was 3");
    }

    @Test
    void refusesConcurrencyBelowOne() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder().concurrency(WorkClass.BOUND, 0).build())
                .withMessage("bounded concurrency must be at least 1, was 0");
    }

    @Test
    void refusesANegativeIdleTimeoutNamingIt() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder().idleTimeout(Duration.ofMillis(-1)).build())
                .withMessage("idleTimeout must not be negative, was PT-0.001S");
    }

    @Test
    void refusesDurationsLongerThanNanosecondsHoldNamingThem() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder().idleTimeout(Duration.ofDays(300 * 365L)).build())
                .withMessage("idleTimeout must be at most PT2562047H47M16.854775807S (292 years), was PT2628000H");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder().blockingSamplePeriod(Duration.ofDays(300 * 365L)).build())
                .withMessage("blockingSamplePeriod must be at most PT2562047H47M16.854775807S (292 years), was PT2628000H");
    }

    @Test
    void refusesANonPositiveBlockingSamplePeriod() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder().blockingSamplePeriod(Duration.ZERO).build())
                .withMessageContaining("blockingSamplePeriod must be positive, was PT0S");
    }

    @Test
    void boundDefaultsAreFourWorkersPerCpuAndOneRunningPerCpu() {
        IoWqConfig config = builder().build();

        assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(4 * CPUS);
        assertThat(config.concurrency(WorkClass.BOUND)).isEqualTo(CPUS);
        assertThat(config.concurrency(WorkClass.UNBOUND)).isEqualTo(CPUS);
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.threadNamePrefix()).isEqualTo("iowq-");
        assertThat(config.observeBlocking()).isTrue();
    }

    @Test
    void theDefaultUnboundMaxIsWhatTheThreadLimitLeaves() {
        long limit = 1_000_000;
        long aliveBefore = ThreadLimit.aliveThreads();

        IoWqConfig config = builder().threadLimit(ThreadLimit.of(limit)).build();

        long aliveAfter = ThreadLimit.aliveThreads();
        assertThat((long) config.maxWorkers(WorkClass.UNBOUND))
                .isBetween(limit - Math.max(aliveBefore, aliveAfter), limit - Math.min(aliveBefore, aliveAfter));
        assertThat(builder().threadLimit(ThreadLimit.of(1)).build().maxWorkers(WorkClass.UNBOUND)).isEqualTo(1);
    }

    @Test
    void aDefaultConcurrencyNeverExceedsAnExplicitMaxWorkers() {
        IoWqConfig config = builder().maxWorkers(WorkClass.BOUND, 1).maxWorkers(WorkClass.UNBOUND, 1).build();

        assertThat(config.concurrency(WorkClass.BOUND)).isEqualTo(1);
        assertThat(config.concurrency(WorkClass.UNBOUND)).isEqualTo(1);
    }

    @Test
    void explicitValuesAreKept() {
        IoWqConfig config = builder().maxWorkers(WorkClass.BOUND, 7).concurrency(WorkClass.BOUND, 5)
                .maxWorkers(WorkClass.UNBOUND, 9).concurrency(WorkClass.UNBOUND, 2)
                .idleTimeout(Duration.ZERO).threadNamePrefix("x-").build();

        assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(7);
        assertThat(config.concurrency(WorkClass.BOUND)).isEqualTo(5);
        assertThat(config.maxWorkers(WorkClass.UNBOUND)).isEqualTo(9);
        assertThat(config.concurrency(WorkClass.UNBOUND)).isEqualTo(2);
        assertThat(config.idleTimeout()).isZero();
        assertThat(config.threadNamePrefix()).isEqualTo("x-");
    }
}
