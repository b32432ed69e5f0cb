package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.actuate.IoWqEndpoint;
import io.iowq.actuate.IoWqEndpointRuntimeHints;
import io.iowq.spring.Hashed;
import io.iowq.spring.HashedKeyRoot;
import io.iowq.spring.IoWqRuntimeHints;
import io.iowq.spring.Unbounded;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.ReflectionHintsPredicates;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

/**
 * The starter's {@link RuntimeHintsRegistrar}s are found through {@code META-INF/spring/aot.factories}
 * and register, each, what the starter reflects on: the {@code @Hashed} expressions' root object and
 * the annotations' attributes, the properties classes, the endpoint's JSON answers.
 */
class IoWqRuntimeHintsTests {

    private final RuntimeHints hints = new RuntimeHints();
    private final ReflectionHintsPredicates reflection = RuntimeHintsPredicates.reflection();

    IoWqRuntimeHintsTests() {
        // the registrars as an AOT build loads them: from aot.factories
        AotServices.factories().load(RuntimeHintsRegistrar.class)
                .forEach(r -> r.registerHints(hints, getClass().getClassLoader()));
    }

    @Test
    void everyRegistrarIsListedInAotFactories() {
        List<Class<?>> registrars = AotServices.factories().load(RuntimeHintsRegistrar.class).asList().stream()
                .<Class<?>>map(Object::getClass).toList();
        assertThat(registrars).contains(IoWqRuntimeHints.class, IoWqPropertiesRuntimeHints.class,
                IoWqEndpointRuntimeHints.class);
    }

    @Test
    void hashedKeyExpressionsCanCallEveryGetterOfTheirRootObject() throws Exception {
        for (String getter : List.of("getMethod", "getMethodName", "getArgs", "getTarget", "getTargetClass")) {
            assertThat(reflection.onMethodInvocation(HashedKeyRoot.class.getMethod(getter))).as(getter).accepts(hints);
        }
    }

    @Test
    void theAnnotationsAttributesCanBeRead() throws Exception {
        assertThat(reflection.onMethodInvocation(Hashed.class.getMethod("value"))).accepts(hints);
        assertThat(reflection.onType(Unbounded.class)).accepts(hints);
    }

    @Test
    void thePropertiesCanBeBound() throws Exception {
        for (Class<?> type : List.of(IoWqProperties.class, IoWqProperties.Limits.class, IoWqProperties.Shutdown.class,
                IoWqObservationProperties.class)) {
            assertThat(reflection.onType(type)).as(type.getName()).accepts(hints);
            assertThat(reflection.onConstructorInvocation(type.getDeclaredConstructor())).as(type.getName()).accepts(hints);
        }
        assertThat(reflection.onMethodInvocation(IoWqProperties.class.getMethod("setIdleTimeout", java.time.Duration.class)))
                .accepts(hints);
        assertThat(reflection.onMethodInvocation(IoWqProperties.Limits.class.getMethod("setMaxWorkers", Integer.class)))
                .accepts(hints);
        assertThat(reflection.onMethodInvocation(IoWqObservationProperties.class.getMethod("setEnabled", Boolean.class)))
                .accepts(hints);
    }

    @Test
    void everyJsonAnswerOfTheEndpointCanBeSerialized() throws Exception {
        List<Class<?>> answers = Arrays.stream(IoWqEndpoint.class.getDeclaredClasses()).filter(Class::isRecord).toList();
        assertThat(answers).contains(IoWqEndpoint.StatsDescriptor.class, IoWqEndpoint.CancelDescriptor.class,
                IoWqEndpoint.KeyCancelDescriptor.class, IoWqEndpoint.WorkDescriptor.class, IoWqEndpoint.PendingWork.class);
        for (Class<?> answer : answers) {
            for (var component : answer.getRecordComponents()) {
                assertThat(reflection.onMethodInvocation(component.getAccessor()))
                        .as(answer.getSimpleName() + "." + component.getName()).accepts(hints);
            }
        }
    }
}
