package io.iowq.spring;

import io.iowq.core.ContextHook;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.springframework.util.ClassUtils;

/**
 * Carries the submitter's thread-local context to the worker with Micrometer's context-propagation:
 * the seed's identity switch. The {@link ThreadLocalAccessor}s known to the registry are captured in
 * the submitting thread and installed around the item — Spring Security's context where present,
 * SLF4J's MDC, Micrometer's current observation when tracing can use it (below), and any accessor an
 * application registers — and the worker's own values are restored after it. Thread-locals the
 * submitter did not have are cleared for the item, so nothing of one item's context is visible to
 * the next.
 * <p>
 * <b>The current observation</b> is carried only if {@code carryObservation}, which
 * {@link #forGlobalRegistry()} sets when Micrometer Tracing is on the class path: a pending item
 * holds what it captured until it runs, and an observation holds its whole tree — for a request, the
 * server request's observation context with the request and response, its parents (Spring
 * Security's filter-chain observations), their key values and their timers' samples, about 3 KB per
 * item. What an item needs of it is the parent of the spans it makes; without tracing, no handler
 * reads anything from a parent observation, and the item carries nothing of it (the worker's current
 * observation is cleared for the item, as for a submitter that had none).
 * <p>
 * SLF4J's MDC is carried too: context-propagation ships an accessor for it but does not register
 * it, so {@link #forGlobalRegistry()} adds it to its own copy of the global registry.
 * <p>
 * The snapshot behaves as context-propagation's clearing one ({@code ContextSnapshotFactory} with
 * {@code clearMissing}), through the same {@link ThreadLocalAccessor} calls, but holds only the
 * values there are: when the submitter has nothing to carry, the common case of work submitted
 * outside a request, the item gets a shared empty snapshot, and installing it and closing its scope
 * allocate nothing unless the worker has values of its own.
 */
public final class ContextPropagationHook implements ContextHook {

    /** The key of Micrometer's observation accessor ({@code ObservationThreadLocalAccessor.KEY}). */
    static final String OBSERVATION_KEY = "micrometer.observation";

    private static final String TRACING_HANDLER = "io.micrometer.tracing.handler.TracingObservationHandler";

    private final ContextRegistry registry;
    private final Predicate<Object> carried;
    private final Snapshot nothing = () -> install(null);
    private final Scope clearLeftovers;

    /** A hook over the accessors of {@code registry}, the current observation included. */
    public ContextPropagationHook(ContextRegistry registry) {
        this(registry, true);
    }

    /**
     * A hook over the accessors of {@code registry}; the current observation only if
     * {@code carryObservation}.
     */
    public ContextPropagationHook(ContextRegistry registry, boolean carryObservation) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.carried = key -> carryObservation || !OBSERVATION_KEY.equals(key);
        this.clearLeftovers = () -> restore(registry.getThreadLocalAccessors(), null);
    }

    /**
     * A hook over the accessors registered globally ({@link ContextRegistry#getInstance()}) when it
     * is created, plus SLF4J's MDC if SLF4J is present and the registry has no MDC accessor; it
     * carries the current observation only if Micrometer Tracing is present.
     */
    public static ContextPropagationHook forGlobalRegistry() {
        ContextRegistry registry = new ContextRegistry();
        boolean mdc = false;
        for (ThreadLocalAccessor<?> accessor : ContextRegistry.getInstance().getThreadLocalAccessors()) {
            registry.registerThreadLocalAccessor(accessor);
            mdc |= Slf4jThreadLocalAccessor.KEY.equals(accessor.key());
        }
        ClassLoader loader = ContextPropagationHook.class.getClassLoader();
        if (!mdc && ClassUtils.isPresent("org.slf4j.MDC", loader)) {
            registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
        }
        return new ContextPropagationHook(registry, ClassUtils.isPresent(TRACING_HANDLER, loader));
    }

    @Override
    public Snapshot capture() {
        List<ThreadLocalAccessor<?>> accessors = registry.getThreadLocalAccessors();
        List<Value> values = null;
        for (int i = 0; i < accessors.size(); i++) {
            ThreadLocalAccessor<?> accessor = at(accessors, i);
            Object value = accessor != null && carried.test(accessor.key()) ? accessor.getValue() : null;
            if (value != null) {
                values = values != null ? values : new ArrayList<>(2);
                values.add(new Value(accessor, value));
            }
        }
        if (values == null) {
            return nothing;
        }
        List<Value> captured = values;
        return () -> install(captured);
    }

    /**
     * The accessor at {@code i}, or {@code null} if an accessor was removed meanwhile. The lists are
     * walked by index because an iterator per walk is most of what this hook would allocate.
     */
    private static ThreadLocalAccessor<?> at(List<ThreadLocalAccessor<?>> accessors, int i) {
        try {
            return accessors.get(i);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    /**
     * Installs {@code captured} ({@code null}: nothing) as context-propagation's clearing snapshot does:
     * each accessor gets the captured value, or is cleared if the worker has one the submitter had
     * not; the scope restores the worker's own values and clears what the item left in the others.
     */
    private Scope install(List<Value> captured) {
        List<ThreadLocalAccessor<?>> accessors = registry.getThreadLocalAccessors();
        List<Value> own = null;
        for (int i = 0; i < accessors.size(); i++) {
            ThreadLocalAccessor<?> accessor = at(accessors, i);
            if (accessor == null) {
                continue;
            }
            Object value = valueOf(captured, accessor);
            Object previous = accessor.getValue();
            if (value != null || previous != null) {
                own = own != null ? own : new ArrayList<>(2);
                own.add(new Value(accessor, previous));
                if (value != null) {
                    set(accessor, value);
                } else {
                    accessor.setValue();
                }
            }
        }
        if (own == null) {
            return clearLeftovers;
        }
        List<Value> restore = own;
        return () -> restore(accessors, restore);
    }

    private static Object valueOf(List<Value> values, ThreadLocalAccessor<?> accessor) {
        if (values != null) {
            for (Value v : values) {
                if (v.accessor() == accessor) {
                    return v.value();
                }
            }
        }
        return null;
    }

    /** A thread-local's value ({@code null}: none), and its accessor. */
    private record Value(ThreadLocalAccessor<?> accessor, Object value) {
    }

    /** Clears what the item left in the thread-locals it was given nothing for, then restores {@code own}. */
    private static void restore(List<ThreadLocalAccessor<?>> accessors, List<Value> own) {
        for (int i = 0; i < accessors.size(); i++) {
            ThreadLocalAccessor<?> accessor = at(accessors, i);
            if (accessor != null && !contains(own, accessor) && accessor.getValue() != null) {
                accessor.restore();
            }
        }
        if (own != null) {
            for (Value v : own) {
                if (v.value() != null) {
                    restore(v.accessor(), v.value());
                } else {
                    v.accessor().restore();
                }
            }
        }
    }

    private static boolean contains(List<Value> values, ThreadLocalAccessor<?> accessor) {
        if (values != null) {
            for (Value v : values) {
                if (v.accessor() == accessor) {
                    return true;
                }
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static <V> void set(ThreadLocalAccessor<V> accessor, Object value) {
        accessor.setValue((V) value);
    }

    @SuppressWarnings("unchecked")
    private static <V> void restore(ThreadLocalAccessor<V> accessor, Object value) {
        accessor.restore((V) value);
    }
}
