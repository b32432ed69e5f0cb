package io.iowq.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Context switches of this process's live threads, from {@code /proc/self/task/<tid>/status} (Linux). */
final class ThreadSwitches {

    private ThreadSwitches() {
    }

    /**
     * One count per live thread whose native name passes {@code names} (HotSpot names native threads
     * after Java threads, up to 15 characters): its voluntary context switches, plus its involuntary
     * ones if {@code involuntaryToo}. Threads that end while they are read are left out; empty off Linux.
     */
    static List<Long> of(Predicate<String> names, boolean involuntaryToo) {
        List<Long> counts = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    if (names.test(Files.readString(task.resolve("comm")).trim())) {
                        counts.add(switchesOf(task, involuntaryToo));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return counts;
    }

    private static long switchesOf(Path task, boolean involuntaryToo) throws IOException {
        long sum = 0;
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || (involuntaryToo && line.startsWith("nonvoluntary_ctxt_switches:"))) {
                sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return sum;
    }
}
