package io.iowq.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer that answers late, on 127.0.0.1 only: for each byte a client sends it sleeps
 * {@code delayMillis} and sends one byte back. It opens {@code connections} client sockets to itself
 * up front, one per task slot, so a task's only blocking is the read of the late answer (a platform
 * thread blocked there shows {@code RUNNABLE}, as in native I/O). One server thread per connection,
 * each bounded in requests and time.
 */
final class DelayedServer implements AutoCloseable {

    private static final int MAX_REQUESTS_PER_CONNECTION = 100_000;
    private static final long LIFETIME_NANOS = TimeUnit.MINUTES.toNanos(30);
    private static final int READ_TIMEOUT_MILLIS = (int) TimeUnit.MINUTES.toMillis(5);

    private final ServerSocket server;
    private final List<Socket> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long delayMillis;

    DelayedServer(long delayMillis, int connections) throws IOException {
        this.delayMillis = delayMillis;
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        this.server = new ServerSocket(0, connections, loopback);
        long deadline = System.nanoTime() + LIFETIME_NANOS;
        for (int i = 0; i < connections; i++) {
            Socket client = new Socket();
            client.setTcpNoDelay(true);
            client.setSoTimeout(10_000);
            client.connect(new InetSocketAddress(loopback, server.getLocalPort()), 10_000);
            clients.add(client);
            Socket accepted = server.accept();
            accepted.setTcpNoDelay(true);
            accepted.setSoTimeout(READ_TIMEOUT_MILLIS);
            Thread t = new Thread(() -> serve(accepted, deadline), "delayed-server-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    private void serve(Socket s, long deadline) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            for (int i = 0; i < MAX_REQUESTS_PER_CONNECTION && System.nanoTime() - deadline < 0; i++) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                Thread.sleep(delayMillis);
                out.write(b);
                out.flush();
            }
        } catch (SocketTimeoutException | InterruptedException e) {
            // idle too long or closing: the connection ends
        } catch (IOException e) {
            // the client went away
        }
    }

    /** One request on connection {@code i}: send a byte, block until the late answer comes. */
    void roundTrip(int i) {
        Socket s = clients.get(i);
        try {
            s.getOutputStream().write(1);
            s.getOutputStream().flush();
            if (s.getInputStream().read() < 0) {
                throw new IOException("the delayed server closed connection " + i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        for (Socket c : clients) {
            c.close();
        }
        server.close();
        for (Thread t : threads) {
            t.interrupt();
        }
    }
}
