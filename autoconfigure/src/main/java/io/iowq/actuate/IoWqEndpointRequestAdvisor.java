package io.iowq.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.invoke.MissingParametersException;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameter;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;
import org.springframework.boot.actuate.endpoint.invoke.ParameterMappingException;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;

/**
 * Makes malformed requests to the {@link IoWqEndpoint} fail clearly and change nothing:
 * <ul>
 * <li>an argument the operation does not take (an unknown field in a {@code POST} body, an unknown
 *     query parameter) is refused, where Spring Boot would ignore it;</li>
 * <li>over HTTP, a refused request answers 400 with a JSON body whose {@code message} says what was
 *     wrong (Spring Boot's error page shows the reason only with {@code server.error.include-message});
 *     over JMX it stays an {@link InvalidEndpointRequestException}, which JMX reports as an
 *     {@link IllegalArgumentException} with the same message.</li>
 * </ul>
 */
public class IoWqEndpointRequestAdvisor implements OperationInvokerAdvisor {

    private static final EndpointId ID = EndpointId.of(IoWqEndpoint.ID);

    @Override
    public OperationInvoker apply(EndpointId endpointId, OperationType operationType, OperationParameters parameters,
                                  OperationInvoker invoker) {
        if (!ID.equals(endpointId)) {
            return invoker;
        }
        Set<String> known = new TreeSet<>();
        for (OperationParameter p : parameters) {
            known.add(p.getName());
        }
        return context -> invoke(invoker, known, context);
    }

    private static @Nullable Object invoke(OperationInvoker invoker, Set<String> known, InvocationContext context) {
        try {
            checkArguments(known, context.getArguments());
            return invoker.invoke(context);
        } catch (InvalidEndpointRequestException e) {
            if (!isWeb(context)) {
                throw e;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", 400);
            body.put("error", "Bad Request");
            body.put("message", message(e));
            return new WebEndpointResponse<>(OperationResponseBody.of(body), WebEndpointResponse.STATUS_BAD_REQUEST);
        }
    }

    private static void checkArguments(Set<String> known, Map<String, Object> arguments) {
        Set<String> unknown = new TreeSet<>(arguments.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            String reason = "unknown " + (unknown.size() == 1 ? "field " : "fields ") + String.join(", ", unknown)
                    + ": this operation takes " + (known.isEmpty() ? "none" : String.join(", ", known));
            throw new InvalidEndpointRequestException(reason, reason);
        }
    }

    private static String message(InvalidEndpointRequestException e) {
        if (e instanceof ParameterMappingException m) {
            return m.getParameter().getName() + " must be " + expected(m.getParameter().getType()) + ", was '"
                    + m.getValue() + "'";
        }
        if (e instanceof MissingParametersException m) {
            return m.getReason();
        }
        return e.getReason() != null ? e.getReason() : e.getMessage();
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "a " + type.getSimpleName();
    }

    /** Only the web adapters offer the server namespace to operations; JMX does not. */
    private static boolean isWeb(InvocationContext context) {
        return context.canResolve(WebServerNamespace.class);
    }
}
