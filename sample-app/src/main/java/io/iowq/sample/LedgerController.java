package io.iowq.sample;

import java.net.URI;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The ledger's HTTP API.
 * <ul>
 * <li>{@code POST /accounts/{account}/entries} {@code {"amount": 1250, "reference": "inv-17"}} →
 * {@code 202 Accepted} with the pending entry and its {@code Location}: the entry is posted in the
 * background, after every entry accepted for the account before it;</li>
 * <li>{@code GET /accounts/{account}} → the balance and the entries, posted ones in posting order;</li>
 * <li>{@code GET /accounts/{account}/entries/{id}} → one entry.</li>
 * </ul>
 */
@RestController
@RequestMapping("/accounts/{account}")
class LedgerController {

    /** What an entry asks for: a signed amount in minor units, and the client's own reference. */
    record NewEntry(Long amount, String reference) {
    }

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final long MAX_AMOUNT = 1_000_000_000_000L;

    private final Ledger ledger;

    LedgerController(Ledger ledger) {
        this.ledger = ledger;
    }

    @PostMapping("/entries")
    ResponseEntity<Entry> post(@PathVariable String account, @RequestBody NewEntry request) {
        checkAccount(account);
        if (request.amount() == null || request.amount() == 0 || Math.abs(request.amount()) > MAX_AMOUNT) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "amount must be a non-zero whole number of minor units, at most " + MAX_AMOUNT + " either way");
        }
        if (request.reference() != null && request.reference().length() > 100) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "reference must be at most 100 characters");
        }
        Entry entry = ledger.accept(account, request.amount(), request.reference());
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

    /** The pool takes no more work: the application is stopping. The entry has been recorded as failed. */
    @ExceptionHandler(RejectedExecutionException.class)
    ProblemDetail stopping(RejectedExecutionException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, "not taking entries: " + e.getMessage());
    }

    private static void checkAccount(String account) {
        if (!ACCOUNT.matcher(account).matches()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "an account id is 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }
}
