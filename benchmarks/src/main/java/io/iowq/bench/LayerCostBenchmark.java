package io.iowq.bench;

import io.iowq.actuate.IoWqWorkTimers;
import io.iowq.core.ContextHook;
import io.iowq.core.IoWq;
import io.iowq.core.TimeRecording;
import io.iowq.core.Work;
import io.iowq.spring.ContextPropagationHook;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;

/**
 * Scenario 8: what each layer of the starter adds per item, each measured alone in one thread
 * (nanoseconds per operation): the work the layer does for one item, and nothing else.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LayerCostBenchmark {

    private static final Runnable NOTHING = () -> { };

    private IoWqWorkTimers timers;
    private TimeRecording timeRecording;
    private PrometheusMeterRegistry registry;
    private Work<Object> item;
    private ContextHook hook;
    private TaskDecorator decorator;
    private ConfigurableApplicationContext context;
    private AsyncCalls calls;
    private SpringAsyncBenchmark.Caller caller;
    private Integer key;

    private IoWq engine;

    @Setup(Level.Trial)
    public void open() {
        engine = new IoWq();
        timeRecording = new TimeRecording();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        timers = new IoWqWorkTimers();
        timers.bindTo(registry, Tags.of("name", "applicationTaskExecutor"));
        item = Work.of(NOTHING);
        hook = ContextPropagationHook.forGlobalRegistry();
        decorator = new ContextPropagatingTaskDecorator();
        context = SpringPeer.DROPPING.start();
        calls = context.getBean(AsyncCalls.class);
        caller = new SpringAsyncBenchmark.Caller();
        key = 4711;
    }

    @TearDown(Level.Trial)
    public void close() {
        context.close();
        registry.close();
        Peer.close(engine);
        timeRecording.close();
    }

    /** The engine: one tiny item handed over and run (1,000 per operation, one submitter), no layer on it. */
    @Benchmark
    @OperationsPerInvocation(HandOffBenchmark.BATCH)
    public void engine(HandOffBenchmark.Submitter s) {
        s.submitAndAwait(engine);
    }

    /** Time recording: the engine's stamps of one item (coarse clock at acceptance and start, one item in 16 timed exactly). */
    @Benchmark
    public long timeRecording() {
        return timeRecording.perItem();
    }

    /** Meters: what the timers do with one item's times. */
    @Benchmark
    public void timers() {
        timers.workEnded(item, 1_000, 2_000);
    }

    /** Context propagation: capture in the caller, install and restore in the worker. */
    @Benchmark
    public void contextPropagation() {
        hook.capture().install().close();
    }

    /** The same with one MDC entry in the caller to carry (the caller's thread holds it for the whole trial). */
    @Benchmark
    public void contextPropagationWithMdc(WithMdc caller) {
        hook.capture().install().close();
    }

    /** A calling thread with an MDC entry, as inside a request whose id is logged. */
    @State(Scope.Thread)
    public static class WithMdc {
        @Setup(Level.Trial)
        public void put() {
            org.slf4j.MDC.put("requestId", "4711");
        }

        @TearDown(Level.Trial)
        public void remove() {
            org.slf4j.MDC.remove("requestId");
        }
    }

    /** A TaskDecorator, when the application defines one (Spring's context-propagating decorator here). */
    @Benchmark
    public void taskDecorator() {
        decorator.decorate(NOTHING).run();
    }

    /** The interceptor: an @Async call through the proxy to a Work item and its future (the engine left out). */
    @Benchmark
    public Object asyncCall() {
        return calls.empty(caller);
    }

    /** The same with @Hashed("#key"): the key's evaluation on top. */
    @Benchmark
    public Object hashedAsyncCall() {
        return calls.hashed(key, caller);
    }

    /** For the reader: a Work item and its future without the interceptor. */
    @Benchmark
    public void workAndFuture(Blackhole bh) {
        Work<Object> w = Work.of(NOTHING);
        bh.consume(io.iowq.spring.WorkCompletableFuture.of(w));
    }
}
