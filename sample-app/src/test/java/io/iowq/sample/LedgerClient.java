package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * The ledger's API, its partner stub's count and its Actuator, as the tests call them over real HTTP:
 * a {@link RestClient} on the JDK's {@link HttpClient}.
 */
final class LedgerClient {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
    };

    private final RestClient http;

    /** A client of the ledger on {@code port}, on a JDK client of its own. */
    LedgerClient(int port) {
        this(port, HttpClient.newHttpClient());
    }

    /** A client of the ledger on {@code port}, on {@code client}. */
    LedgerClient(int port, HttpClient client) {
        this.http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestFactory(new JdkClientHttpRequestFactory(client))
                .build();
    }

    /** The underlying client, for the calls this class has no method for. */
    RestClient http() {
        return http;
    }

    /** {@code POST /accounts/{account}/entries}: the status, and the entry unless it is an error. */
    ResponseEntity<Map<String, Object>> post(String account, long amount, String reference) {
        return http.post().uri("/accounts/{account}/entries", account)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("amount", amount, "reference", reference))
                .exchange((request, response) -> entity(response.getStatusCode(), response.getStatusCode().isError()
                        ? null : response.bodyTo(JSON)));
    }

    /**
     * Opens every account with a deposit, its entry referenced {@code open}, and waits until each is
     * posted, so that the accounts exist before the test goes on.
     */
    void open(List<String> accounts, long deposit, Duration patience) {
        for (String account : accounts) {
            assertThat(post(account, deposit, "open").getStatusCode().value()).isEqualTo(202);
        }
        await().atMost(patience).until(() -> accounts.stream().allMatch(a -> account(a).count(EntryStatus.POSTED) == 1));
    }

    /** {@code GET /accounts/{account}}. */
    AccountView account(String account) {
        return http.get().uri("/accounts/{account}", account).retrieve().body(AccountView.class);
    }

    /** How many postings of {@code account} the partner stub has heard of. */
    long notified(String account) {
        return ((Number) http.get().uri("/partner/notifications?account={a}", account).retrieve().body(JSON)
                .get("received")).longValue();
    }

    /** The count of {@code ledger.notifications} with this outcome. */
    @SuppressWarnings("unchecked")
    Object notifications(String outcome) {
        List<Map<String, Object>> measurements = (List<Map<String, Object>>) get(
                "/actuator/metrics/ledger.notifications?tag=outcome:" + outcome).get("measurements");
        return measurements.get(0).get("value");
    }

    /** A JSON {@code GET}. */
    Map<String, Object> get(String path) {
        return http.get().uri(path).retrieve().body(JSON);
    }

    /** The live workers of both classes, as {@code GET /actuator/iowq} shows them. */
    @SuppressWarnings("unchecked")
    int iowqWorkers() {
        Map<String, Object> stats = get("/actuator/iowq");
        return ((Number) ((Map<String, Object>) stats.get("bounded")).get("workers")).intValue()
                + ((Number) ((Map<String, Object>) stats.get("unbounded")).get("workers")).intValue();
    }

    /** How many of {@code key}'s items {@code GET /actuator/iowq/work} shows in {@code section} (pending, running). */
    @SuppressWarnings("unchecked")
    long workOf(String section, String key) {
        List<Map<String, Object>> items = (List<Map<String, Object>>) get("/actuator/iowq/work").get(section);
        return items.stream().filter(item -> key.equals(item.get("key"))).count();
    }

    /** {@code DELETE /actuator/iowq/keys/{key}}, as {@code ops} with {@code password} if not null. */
    ResponseEntity<Map<String, Object>> cancelKey(String key, String password) {
        return exchange(HttpMethod.DELETE, "/actuator/iowq/keys/" + key, null, password);
    }

    /** Any call: the status, and the JSON body if it is a success. */
    ResponseEntity<Map<String, Object>> exchange(HttpMethod method, String path, String json, String password) {
        RestClient.RequestBodySpec request = http.method(method).uri(path);
        if (password != null) {
            request.headers(headers -> headers.setBasicAuth("ops", password));
        }
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.exchange((req, response) -> entity(response.getStatusCode(),
                response.getStatusCode().is2xxSuccessful() ? response.bodyTo(JSON) : null));
    }

    private static ResponseEntity<Map<String, Object>> entity(HttpStatusCode status, Map<String, Object> body) {
        return ResponseEntity.status(status).headers(new HttpHeaders()).body(body);
    }
}
