package io.iowq.spring;

import io.iowq.core.ContextHook;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import java.util.Objects;
import org.springframework.util.ClassUtils;

/**
 * Carries the submitter's thread-local context to the worker with Micrometer's context-propagation:
 * the seed's identity switch. Every {@link ThreadLocalAccessor} known to the registry is captured
 * in the submitting thread and installed around the item — Micrometer's observation (and so
 * tracing), Spring Security's context where present, and any accessor an application registers —
 * and the worker's own values are restored after it. Thread-locals the submitter did not have are
 * cleared for the item, so nothing of one item's context is visible to the next.
 * <p>
 * SLF4J's MDC is carried too: context-propagation ships an accessor for it but does not register
 * it, so {@link #forGlobalRegistry()} adds it to its own copy of the global registry.
 */
public final class ContextPropagationHook implements ContextHook {

    private final ContextSnapshotFactory snapshots;

    /** A hook over the accessors of {@code registry}. */
    public ContextPropagationHook(ContextRegistry registry) {
        this.snapshots = ContextSnapshotFactory.builder()
                .contextRegistry(Objects.requireNonNull(registry, "registry"))
                .clearMissing(true)
                .build();
    }

    /**
     * A hook over the accessors registered globally ({@link ContextRegistry#getInstance()}) when it
     * is created, plus SLF4J's MDC if SLF4J is present and the registry has no MDC accessor.
     */
    public static ContextPropagationHook forGlobalRegistry() {
        ContextRegistry registry = new ContextRegistry();
        boolean mdc = false;
        for (ThreadLocalAccessor<?> accessor : ContextRegistry.getInstance().getThreadLocalAccessors()) {
            registry.registerThreadLocalAccessor(accessor);
            mdc |= Slf4jThreadLocalAccessor.KEY.equals(accessor.key());
        }
        if (!mdc && ClassUtils.isPresent("org.slf4j.MDC", ContextPropagationHook.class.getClassLoader())) {
            registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
        }
        return new ContextPropagationHook(registry);
    }

    @Override
    public Snapshot capture() {
        ContextSnapshot snapshot = snapshots.captureAll();
        return () -> snapshot.setThreadLocals()::close;
    }
}
