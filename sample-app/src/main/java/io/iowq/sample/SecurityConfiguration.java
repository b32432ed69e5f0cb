package io.iowq.sample;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may do what: the write operations of the {@code iowq} endpoint (cancel work, resize the pool)
 * and its work list with stacks ({@code ?stack=...}, which shows the code the workers are in) need a
 * user with role {@code OPS} over HTTP basic — the user of {@code spring.security.user.*}.
 * Everything else, the ledger's API and the endpoints' reads included, is open: this is a sample
 * meant to be tried with {@code curl}.
 * <p>
 * The operator's password defaults to {@value #SAMPLE_PASSWORD}, for trying the sample only: start-up
 * warns while it is in use; set {@code IOWQ_SAMPLE_OPS_PASSWORD} (or {@code spring.security.user.password}).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /** The operator's password when none is set: a sample-only default. */
    static final String SAMPLE_PASSWORD = "ops";

    private static final Log logger = LogFactory.getLog(SecurityConfiguration.class);

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http,
                                            @Value("${spring.security.user.password:}") String opsPassword)
            throws Exception {
        if (SAMPLE_PASSWORD.equals(opsPassword)) {
            logger.warn("The operator 'ops' has the sample's default password '" + SAMPLE_PASSWORD + "': anyone who "
                    + "reads the sample can cancel work and resize the pool. Set IOWQ_SAMPLE_OPS_PASSWORD (or "
                    + "spring.security.user.password) anywhere but on your own machine");
        }
        RequestMatcher iowqWrites = new AndRequestMatcher(EndpointRequest.to("iowq"),
                request -> !HttpMethod.GET.matches(request.getMethod()) && !HttpMethod.HEAD.matches(request.getMethod()));
        RequestMatcher iowqStacks = new AndRequestMatcher(EndpointRequest.to("iowq"),
                request -> request.getParameter("stack") != null);
        return http
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers(iowqWrites, iowqStacks).hasRole("OPS")
                        .anyRequest().permitAll())
                .httpBasic(Customizer.withDefaults())
                // a JSON API called with basic credentials, not a browser session: no cookie to forge
                .csrf(csrf -> csrf.disable())
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }
}
