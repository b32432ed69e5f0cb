package io.iowq.sample;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ledger's HTTP API.
 * <ul>
 * <li>{@code POST /accounts/{account}/entries} {@code {"amount": 1250, "reference": "inv-17"}} →
 * {@code 202 Accepted} with the pending entry and its {@code Location}: the entry is posted in the
 * background, after every entry accepted for the account before it; {@code 503} with
 * {@code Retry-After} and nothing recorded when the ledger takes no entry now;</li>
 * <li>{@code GET /accounts/{account}} → the balance and the entries, posted ones in posting order;</li>
 * <li>{@code GET /accounts/{account}/entries/{id}} → one entry.</li>
 * </ul>
 */
@RestController
@RequestMapping("/accounts/{account}")
class LedgerController {

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final long MAX_AMOUNT = 1_000_000_000_000L;
    private static final int MAX_REFERENCE = 100;
    private static final Set<String> FIELDS = Set.of("amount", "reference");
    /** Strict: a field given twice is an error, not "the last one wins". */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Ledger ledger;
    private final Duration retryAfter;

    LedgerController(Ledger ledger, LedgerProperties properties) {
        this.ledger = ledger;
        this.retryAfter = properties.retryAfter();
    }

    /**
     * Takes {@code {"amount": <integer>, "reference": <string>}}: the amount a JSON integer (not
     * {@code 12.0}, {@code 1e3} or {@code "100"}), non-zero, at most {@value #MAX_AMOUNT} either way;
     * the reference optional, at most {@value #MAX_REFERENCE} characters, with no control character;
     * no other field, and none twice. Anything else is a {@code 400} that says what is wrong.
     */
    @PostMapping(path = "/entries", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Entry> post(@PathVariable String account, @RequestBody String body) {
        checkAccount(account);
        JsonNode request = parse(body);
        long amount = amount(request.get("amount"));
        String reference = reference(request.get("reference"));
        Entry entry = ledger.accept(account, amount, reference);
        return ResponseEntity.accepted()
                .location(URI.create("/accounts/" + account + "/entries/" + entry.id()))
                .body(entry);
    }

    @GetMapping
    AccountView account(@PathVariable String account) {
        checkAccount(account);
        return ledger.account(account)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no entries for " + account));
    }

    @GetMapping("/entries/{id}")
    Entry entry(@PathVariable String account, @PathVariable long id) {
        checkAccount(account);
        return ledger.entry(id)
                .filter(e -> e.account().equals(account))
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no entry " + id + " in " + account));
    }

    /**
     * The pool takes no more work (it is full, or the application is stopping), or the entries of the
     * last run are still being resumed: {@code 503} with {@code Retry-After}. The entry was not
     * accepted: it was never handed over, and is not in the ledger.
     */
    @ExceptionHandler({RejectedExecutionException.class, Ledger.NotTakingEntries.class})
    ResponseEntity<ProblemDetail> notTaking(RuntimeException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())))
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                        "not taking entries now, try again later: " + e.getMessage()));
    }

    /**
     * The database failed on the way (no connection, a timeout...): {@code 503} with
     * {@code Retry-After}, nothing recorded. Any other failure is left to Spring's error handling.
     */
    @ExceptionHandler({DataAccessException.class, TransactionException.class})
    ResponseEntity<ProblemDetail> databaseAway(RuntimeException e) {
        if (!DatabaseRetry.isTransient(e)) {
            throw e;
        }
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())))
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                        "the database does not answer now, try again later"));
    }

    private static JsonNode parse(String body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (JacksonException e) {
            throw badRequest("the body must be a JSON object with no field twice: " + e.getOriginalMessage());
        }
        if (request == null || !request.isObject()) {
            throw badRequest("the body must be a JSON object {\"amount\": ..., \"reference\": ...}");
        }
        for (String field : request.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw badRequest("unknown field '" + field + "': an entry has amount and reference");
            }
        }
        return request;
    }

    private static long amount(JsonNode amount) {
        if (amount == null || !amount.isIntegralNumber() || !amount.canConvertToLong()
                || amount.longValue() == 0 || amount.longValue() < -MAX_AMOUNT || amount.longValue() > MAX_AMOUNT) {
            throw badRequest("amount must be a non-zero JSON integer of minor units, at most " + MAX_AMOUNT
                    + " either way, was " + amount);
        }
        return amount.longValue();
    }

    private static String reference(JsonNode reference) {
        if (reference == null || reference.isNull()) {
            return null;
        }
        if (!reference.isString()) {
            throw badRequest("reference must be a JSON string, was " + reference);
        }
        String text = reference.stringValue();
        if (text.length() > MAX_REFERENCE) {
            throw badRequest("reference must be at most " + MAX_REFERENCE + " characters");
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw badRequest("reference must not hold control characters (U+0000 to U+001F, U+007F to U+009F)");
        }
        return text;
    }

    private static void checkAccount(String account) {
        if (!ACCOUNT.matcher(account).matches()) {
            throw badRequest("an account id is 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }

    private static ResponseStatusException badRequest(String reason) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, reason);
    }
}
