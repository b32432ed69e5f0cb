package io.iowq.sample;

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
 * need a user with role {@code OPS} over HTTP basic — the user of {@code spring.security.user.*}.
 * Everything else, the ledger's API and the endpoints' reads included, is open: this is a sample
 * meant to be tried with {@code curl}.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        RequestMatcher iowqWrites = new AndRequestMatcher(EndpointRequest.to("iowq"),
                request -> !HttpMethod.GET.matches(request.getMethod()) && !HttpMethod.HEAD.matches(request.getMethod()));
        return http
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers(iowqWrites).hasRole("OPS")
                        .anyRequest().permitAll())
                .httpBasic(Customizer.withDefaults())
                // a JSON API called with basic credentials, not a browser session: no cookie to forge
                .csrf(csrf -> csrf.disable())
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }
}
