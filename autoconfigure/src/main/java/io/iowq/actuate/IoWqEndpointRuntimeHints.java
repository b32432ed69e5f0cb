package io.iowq.actuate;

import java.util.Arrays;
import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.util.ClassUtils;

/**
 * Serialization hints for the JSON answers of the {@code iowq} endpoint: every record it declares,
 * with what their components hold. Spring Boot's own hints cover an operation's declared return
 * type only, and the cancel operation declares {@code OperationResponseBody}. Nothing without
 * Actuator on the class path.
 */
public class IoWqEndpointRuntimeHints implements RuntimeHintsRegistrar {

    private static final String ENDPOINT_ANNOTATION = "org.springframework.boot.actuate.endpoint.annotation.Endpoint";

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        if (!ClassUtils.isPresent(ENDPOINT_ANNOTATION, classLoader)) {
            return;
        }
        Class<?>[] answers = Arrays.stream(IoWqEndpoint.class.getDeclaredClasses())
                .filter(Class::isRecord)
                .toArray(Class<?>[]::new);
        new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(), answers);
    }
}
