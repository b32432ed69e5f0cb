package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.bean.override.mockito.MockitoBean;

/**
 * When the pool refuses a posting ({@link TaskRejectedException}: its queue is full, or it is
 * stopping), the client gets {@code 503} with {@code Retry-After} and the entry is not in the ledger
 * at all: it was never handed over, so no {@code 202} is left without an end. Here the refusal is
 * the posting's {@code @Async} submission itself, played by a mock of {@link Postings}; once it takes
 * work again, the same request is accepted and posted. It also runs with the sample's default
 * operator password, and checks that start-up warns about it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.url=jdbc:h2:mem:ledger-refusal;DB_CLOSE_DELAY=-1", "ledger.retry-after=7s"})
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class LedgerRefusalTests {

    @LocalServerPort
    private int port;

    @MockitoBean
    private Postings postings;

    @Autowired
    private LedgerRepository repository;

    @Test
    void aPostingThePoolRefusesIsAnswered503WithRetryAfterAndLeavesNoEntry() {
        LedgerClient api = new LedgerClient(port);
        when(postings.post(anyString(), anyLong())).thenThrow(new TaskRejectedException("queue full (test)"));

        ResponseEntity<Map<String, Object>> refused = postWithHeaders(api, "full", 250, "refused");
        assertThat(refused.getStatusCode().value()).isEqualTo(503);
        assertThat(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("7");
        assertThat(refused.getBody()).containsEntry("status", 503);
        assertThat((String) refused.getBody().get("detail")).contains("queue full (test)");
        assertThat(repository.account("full")).as("the refused entry is not in the ledger").isEmpty();
        assertThat(repository.pendingAfter(0, 10)).isEmpty();

        doAnswer(call -> CompletableFuture.completedFuture(repository.post(call.getArgument(1, Long.class))))
                .when(postings).post(anyString(), anyLong());
        assertThat(postWithHeaders(api, "full", 250, "accepted").getStatusCode().value()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> repository.account("full").orElseThrow()
                .count(EntryStatus.POSTED) == 1);
        assertThat(repository.account("full").orElseThrow().entries()).extracting(Entry::reference)
                .containsExactly("accepted");
    }

    /** This class runs with the sample's default operator password: start-up says it is for trying only. */
    @Test
    void startUpWarnsWhileTheOperatorHasTheSamplesDefaultPassword(CapturedOutput output) {
        assertThat(output.getAll()).contains("WARN").contains("The operator 'ops' has the sample's default password");
    }

    private static ResponseEntity<Map<String, Object>> postWithHeaders(LedgerClient api, String account, long amount,
                                                                      String reference) {
        return api.http().post().uri("/accounts/{account}/entries", account)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("amount", amount, "reference", reference))
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .headers(response.getHeaders())
                        .body(response.bodyTo(new ParameterizedTypeReference<Map<String, Object>>() {
                        })));
    }
}
