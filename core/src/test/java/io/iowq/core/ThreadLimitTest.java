package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ThreadLimit#detect(Path)} against directories laid out like {@code /proc} and {@code /sys}. */
class ThreadLimitTest {

    @TempDir
    Path root;

    private void write(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private void limits(String maxProcessesSoft) throws IOException {
        write("proc/self/limits", String.join("\n",
                "Limit                     Soft Limit           Hard Limit           Units     ",
                "Max cpu time              unlimited            unlimited            seconds   ",
                "Max processes             " + maxProcessesSoft + "                63432                processes ",
                "Max open files            1048576              1048576              files     ",
                ""));
    }

    @Test
    void readsTheSoftMaxProcessesOfProcSelfLimits() throws IOException {
        limits("1234");
        write("sys/fs/cgroup/pids.max", "5000\n");

        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(1234, "/proc/self/limits"));
    }

    @Test
    void takesASmallerCgroupPidsMaxOverAFiniteMaxProcesses() throws IOException {
        limits("1234");
        write("sys/fs/cgroup/pids.max", "99\n");
        write("proc/sys/kernel/threads-max", "700\n");

        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(99, "/sys/fs/cgroup/pids.max"));
    }

    @Test
    void skipsAnUnlimitedMaxProcessesForTheCgroupV2PidsMax() throws IOException {
        limits("unlimited");
        write("sys/fs/cgroup/pids.max", "500\n");
        write("sys/fs/cgroup/pids/pids.max", "600\n");

        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(500, "/sys/fs/cgroup/pids.max"));
    }

    @Test
    void skipsACgroupV2MaxForTheCgroupV1PidsMax() throws IOException {
        limits("unlimited");
        write("sys/fs/cgroup/pids.max", "max\n");
        write("sys/fs/cgroup/pids/pids.max", "600\n");
        write("proc/sys/kernel/threads-max", "700\n");

        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(600, "/sys/fs/cgroup/pids/pids.max"));
    }

    @Test
    void fallsBackToThreadsMax() throws IOException {
        limits("unlimited");
        write("sys/fs/cgroup/pids.max", "max\n");
        write("sys/fs/cgroup/pids/pids.max", "max\n");
        write("proc/sys/kernel/threads-max", "700\n");

        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(700, "/proc/sys/kernel/threads-max"));
    }

    @Test
    void skipsUnreadableValues() throws IOException {
        limits("lots");
        write("sys/fs/cgroup/pids.max", "\n");
        write("sys/fs/cgroup/pids/pids.max", "0\n");
        write("proc/sys/kernel/threads-max", "800\n");

        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(800, "/proc/sys/kernel/threads-max"));
    }

    @Test
    void defaultsTo4096WhereNothingTellsALimit() throws IOException {
        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(4096, "default"));

        limits("unlimited");
        write("sys/fs/cgroup/pids.max", "max\n");
        assertThat(ThreadLimit.detect(root)).isEqualTo(new ThreadLimit(ThreadLimit.DEFAULT_LIMIT, "default"));
    }

    @Test
    void refusesALimitBelowOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> ThreadLimit.of(0))
                .withMessage("thread limit must be at least 1, was 0");
    }

    @Test
    void countsTheThreadsAliveAgainstTheLimit() {
        long alive = ThreadLimit.aliveThreads();

        assertThat(alive).isPositive();
        assertThat(ThreadLimit.of(1).reached()).isTrue();
        assertThat(ThreadLimit.of(1).availableWorkers()).isEqualTo(1);
        assertThat(ThreadLimit.of(Long.MAX_VALUE).reached()).isFalse();
        assertThat(ThreadLimit.of(alive + 10_000).availableWorkers()).isBetween(9_000, 10_000);
    }
}
