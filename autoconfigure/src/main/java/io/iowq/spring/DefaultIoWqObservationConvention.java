package io.iowq.spring;

import io.iowq.core.Work;
import io.iowq.spring.IoWqObservationDocumentation.HighCardinalityKeyNames;
import io.iowq.spring.IoWqObservationDocumentation.LowCardinalityKeyNames;
import io.micrometer.common.KeyValues;

/**
 * The default {@link IoWqObservationConvention}: the observation {@code iowq.work}, its span named
 * {@code iowq SimpleClassName.method} for an {@code @Async} call ({@code iowq work} otherwise);
 * low-cardinality tags {@code class} (bounded|unbounded), {@code hashed} (true|false),
 * {@code outcome} (completed|failed|cancelled|rejected, {@code unknown} until the item ends) and
 * {@code method} (the {@code @Async} method, {@code none} for other work); high-cardinality tags
 * {@code key} (the key's string form, hashed work only) and {@code id} (the pool's work id, which
 * the Actuator endpoint cancels by).
 */
public class DefaultIoWqObservationConvention implements IoWqObservationConvention {

    /** The observation's name. */
    public static final String NAME = "iowq.work";

    private static final String NONE = "none";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(IoWqObservationContext context) {
        String method = context.getAsyncMethod();
        return "iowq " + (method != null ? method : "work");
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(IoWqObservationContext context) {
        Work<?> work = context.getWork();
        String method = context.getAsyncMethod();
        return KeyValues.of(
                LowCardinalityKeyNames.CLASS.withValue(work.workClass().tag()),
                LowCardinalityKeyNames.HASHED.withValue(String.valueOf(work.isHashed())),
                LowCardinalityKeyNames.OUTCOME.withValue(context.getOutcome()),
                LowCardinalityKeyNames.METHOD.withValue(method != null ? method : NONE));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(IoWqObservationContext context) {
        Work<?> work = context.getWork();
        KeyValues values = KeyValues.of(HighCardinalityKeyNames.ID.withValue(Long.toString(work.id())));
        return work.isHashed() ? values.and(HighCardinalityKeyNames.KEY.withValue(String.valueOf(work.key()))) : values;
    }
}
