package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers on virtual threads, which have no CPU clock ({@code getThreadCpuTime} answers -1): the
 * manager goes by where a worker is. Needs Java 21; the build runs this class on JDK 25 too where
 * that JDK is installed (core's {@code jdk25} profile), since the suite itself runs on 17.
 */
class VirtualWorkerSamplingTest {

    @RegisterExtension
    final Pools pools = new Pools();

    @Test
    void aVirtualWorkerTakenAsBlockedInANativeCallRunsAgainOnceItComputes(@TempDir Path dir) throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
        Path fifo = dir.resolve("fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo makes a FIFO");
        IoWq pool = pools.start(Pools.bound(2, 1).observeBlocking(true).threadFactory(virtualThreads()));
        AtomicBoolean computing = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        Work<Object> reader = pool.enqueue(Work.of(() -> {
            // native calls (the open waits for a writer, then the read): the thread stays RUNNABLE
            try (InputStream in = new FileInputStream(fifo.toFile())) {
                in.read();
            }
            computing.set(true);
            while (!stop.get()) {
                Thread.onSpinWait();
            }
            return null;
        }));
        Gate gate = new Gate();
        pool.enqueue(Work.of(gate.task())); // on the second worker, once the reader is taken as blocked
        pool.enqueue(Work.of(gate.task())); // waits: the manager keeps sampling
        try {
            eventually().until(() -> blocked(pool, reader) == Boolean.TRUE);
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(1);
            }
            eventually().until(computing::get);

            eventually().until(() -> blocked(pool, reader) == Boolean.FALSE);
        } finally {
            stop.set(true);
            gate.open();
            if (!computing.get()) {
                release(fifo); // a thread in a native open or read cannot be interrupted out of it
            }
        }
        reader.get(10, TimeUnit.SECONDS);
    }

    /** Writes a byte without waiting for a reader (read-write opens of a FIFO do not block on Linux). */
    private static void release(Path fifo) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(fifo.toFile(), "rw")) {
            f.write(1);
        }
    }

    /** Whether the pool counts {@code work}'s worker blocked, or {@code null} if it does not run. */
    private static Boolean blocked(IoWq pool, Work<?> work) {
        return pool.runningWork(false).stream().filter(i -> i.id() == work.id()).findFirst()
                .map(WorkInfo::blocked).orElse(null);
    }

    private static ThreadFactory virtualThreads() throws ReflectiveOperationException {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
    }
}
