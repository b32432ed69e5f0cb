package io.iowq.core;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process thread limit that unbound workers count against: the seed's {@code RLIMIT_NPROC}
 * check in {@code io_wq_can_queue}.
 * <p>
 * {@link #detect()} takes the smallest finite value of: the soft "Max processes" of
 * {@code /proc/self/limits} ({@code RLIMIT_NPROC}, which counts every thread of the process's real
 * user, across all its processes: the limit is per user, not per process), the cgroup's
 * {@code pids.max} (v2, then v1), and {@code /proc/sys/kernel/threads-max}; off Linux, or where none
 * is readable, {@value #DEFAULT_LIMIT}. Threads of the same user in other processes are not seen
 * here: where they take the room, the kernel refuses threads before this limit, and the pool backs
 * off ({@code WorkerCreation}).
 *
 * @param limit  the most threads the process may have
 * @param source where the limit was read
 */
public record ThreadLimit(long limit, String source) {

    /** The limit where the system tells none. */
    public static final long DEFAULT_LIMIT = 4096;

    /** Where {@link #detect()} reads: each file under the root, and the label of its line ({@code ""}: the first line). */
    private static final String[][] SOURCES = {{"proc/self/limits", "Max processes"}, {"sys/fs/cgroup/pids.max", ""},
            {"sys/fs/cgroup/pids/pids.max", ""}, {"proc/sys/kernel/threads-max", ""}};

    /** Validates the limit. */
    public ThreadLimit {
        if (limit < 1) {
            throw new IllegalArgumentException("thread limit must be at least 1, was " + limit);
        }
    }

    /** A limit set by configuration. */
    public static ThreadLimit of(long limit) {
        return new ThreadLimit(limit, "configured");
    }

    /** Reads the limit from this system. */
    public static ThreadLimit detect() {
        return detect(Path.of("/"));
    }

    /** Reads the limit from the files under {@code root} (a test can lay out its own). */
    static ThreadLimit detect(Path root) {
        ThreadLimit smallest = null;
        for (String[] source : SOURCES) {
            OptionalLong value = field(root.resolve(source[0]), source[1]);
            if (value.isPresent() && (smallest == null || value.getAsLong() < smallest.limit())) {
                smallest = new ThreadLimit(value.getAsLong(), "/" + source[0]);
            }
        }
        return smallest != null ? smallest : new ThreadLimit(DEFAULT_LIMIT, "default");
    }

    /** Threads that may still be created: the limit less the threads alive now, at least 1. */
    public int availableWorkers() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, limit - aliveThreads()));
    }

    /** Whether the process has as many threads as the limit allows. */
    public boolean reached() {
        return aliveThreads() >= limit;
    }

    /** Threads of this process now: {@code /proc/self/status} where there is one, else the JVM's count. */
    static long aliveThreads() {
        OptionalLong threads = field(Path.of("/proc/self/status"), "Threads:"); // not Linux: the JVM's count
        return threads.isPresent() ? threads.getAsLong() : ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /**
     * The first word after {@code label} on the first line that starts with it ({@code ""}: the first
     * line), if the file reads and the word is a positive number: "unlimited", "max" and other words
     * are no limit. Line by line: Files.readString sizes its read by the file's size, and a /proc
     * file's size is not its content's (it read "1" of /proc/sys/kernel/threads-max's "192735" here).
     */
    private static OptionalLong field(Path file, String label) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(label)) {
                    long value = Long.parseLong(line.substring(label.length()).trim().split("\\s+")[0]);
                    return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // unreadable, or not a number ("unlimited", "max"): nothing to take from here
        }
        return OptionalLong.empty();
    }
}
