#!/usr/bin/env bash
# The scale-out end to end of docs/scale-out.md: three sample instances (profiles kafka,postgres) on
# one Kafka broker (.ci/kafka) and one PostgreSQL database (.ci/postgres), ACCOUNTS x PER_ACCOUNT
# entries posted by CLIENTS concurrent clients, one instance killed with kill -9 when KILL_AT entries
# were accepted. Then it waits until no entry is pending and checks, in the database: every entry
# the clients saw accepted is posted; each account's balance is the sum of its posted entries and its
# posting count their number (an entry posted twice would count twice); posting numbers run 1..n and
# each entry's balance-after is the running sum in posting order. As root (it creates a database).
set -euo pipefail
cd "$(dirname "$0")/../.."
ACCOUNTS=${ACCOUNTS:-20} PER_ACCOUNT=${PER_ACCOUNT:-500} CLIENTS=${CLIENTS:-16}
TOTAL=$((ACCOUNTS * PER_ACCOUNT)); KILL_AT=${KILL_AT:-$((TOTAL * 2 / 5))}
work=$(mktemp -d); run=$(date +%s)
source .ci/kafka
source .ci/postgres
db=iowq_scaleout
psql_db() { (cd / && runuser -u postgres -- psql -d "$db" -tAq "$@"); }
(cd / && runuser -u postgres -- dropdb --if-exists "$db" && runuser -u postgres -- createdb -O iowq_sample "$db")
[ -f sample-app/target/iowq-sample-app.jar ] || ./mvnw -B -ntp -q -pl sample-app -am package -DskipTests
pids=()
start() { # i: starts instance i in the background
  java -Xmx384m -XX:TieredStopAtLevel=1 -jar sample-app/target/iowq-sample-app.jar \
    --spring.profiles.active=kafka,postgres --server.port=$((18080 + $1)) \
    --spring.datasource.url="jdbc:postgresql://127.0.0.1:5432/$db" \
    --ledger.kafka.topic="scale-out-$run" --spring.kafka.consumer.group-id="scale-out-$run" \
    --ledger.partner.delay=0ms --ledger.kafka.sweep-after=10s >"$work/instance-$1.log" 2>&1 &
  pids+=($!)
}
await_up() { # i: waits until instance i answers its health check
  for _ in $(seq 240); do
    curl -fsS "http://127.0.0.1:$((18080 + $1))/actuator/health" >/dev/null 2>&1 && return; sleep 0.5
  done
}
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
# The first instance creates the schema; PostgreSQL's CREATE ... IF NOT EXISTS is not safe against
# another session running it at once, so the others start once it answers.
start 1; await_up 1
start 2; start 3; await_up 2; await_up 3
echo "3 instances up; posting $TOTAL entries ($ACCOUNTS accounts x $PER_ACCOUNT) from $CLIENTS clients"
# One line per entry: the client (by account, so one client posts one account's entries in order), amount
for ((n = 0; n < TOTAL; n++)); do echo "acct-$((n % ACCOUNTS)) $((n % 997 + 1))"; done >"$work/entries"
post() { # account amount: tries the instances in turn until one accepts (202); prints "id account amount"
  local account=$1 amount=$2 start=$(( RANDOM % 3 )) k body
  for attempt in $(seq 0 29); do
    k=$(( (start + attempt) % 3 + 1 ))
    body=$(curl -sS -m 10 -o - -w '\n%{http_code}' -u ops:ops -H 'Content-Type: application/json' \
      -d "{\"amount\":$amount}" "http://127.0.0.1:$((18080 + k))/accounts/$account/entries" 2>/dev/null) || { sleep 0.2; continue; }
    if [ "${body##*$'\n'}" = 202 ]; then
      echo "$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"${body%$'\n'*}") $account $amount"; return
    fi
    sleep 0.2
  done
  echo "GAVE-UP $account $amount" >&2
}
export -f post
t0=$(date +%s)
( split -n "r/$CLIENTS" "$work/entries" "$work/client-"
  for f in "$work"/client-*; do (while read -r a m; do post "$a" "$m"; done <"$f" >"$f.accepted") & done; wait ) &
loader=$!
until [ "$(cat "$work"/client-*.accepted 2>/dev/null | wc -l)" -ge "$KILL_AT" ]; do sleep 0.5; done
kill -9 "${pids[2]}"; echo "killed instance 3 (kill -9) after $(cat "$work"/client-*.accepted | wc -l) accepted entries"
wait "$loader"
t1=$(date +%s)
accepted=$(cat "$work"/client-*.accepted | wc -l)
echo "$accepted entries accepted in $((t1 - t0)) s"
for _ in $(seq 360); do
  [ "$(psql_db -c "SELECT count(*) FROM entry WHERE status = 'PENDING'")" = 0 ] && break; sleep 0.5
done
t2=$(date +%s)
echo "no entry pending $((t2 - t1)) s after the last was accepted"
cat "$work"/client-*.accepted | awk '{print $1}' | sort >"$work/accepted-ids"
psql_db -c "SELECT id FROM entry WHERE status = 'POSTED'" | sort >"$work/posted-ids"
missing=$(comm -23 "$work/accepted-ids" "$work/posted-ids" | wc -l)
entries=$(psql_db -c "SELECT count(*) FROM entry")
posted=$(psql_db -c "SELECT count(*) FROM entry WHERE status = 'POSTED'")
bad_balance=$(psql_db -c "SELECT count(*) FROM account a WHERE a.balance <> (SELECT coalesce(sum(amount),0) FROM entry e
  WHERE e.account_id = a.id AND e.status = 'POSTED') OR a.postings <> (SELECT count(*) FROM entry e WHERE e.account_id = a.id AND e.status = 'POSTED')")
bad_chain=$(psql_db -c "SELECT count(*) FROM (SELECT posting_seq, balance_after,
  row_number() OVER (PARTITION BY account_id ORDER BY posting_seq) AS n,
  sum(amount) OVER (PARTITION BY account_id ORDER BY posting_seq) AS running FROM entry WHERE status = 'POSTED') t
  WHERE posting_seq <> n OR balance_after <> running")
accounts=$(psql_db -c "SELECT count(*) FROM account")
echo "entries in the database: $entries (posted $posted); accepted by clients: $accepted; accepted but not posted: $missing"
echo "accounts: $accounts; accounts whose balance or posting count differs from their posted entries: $bad_balance; postings out of order or with a wrong balance-after: $bad_chain"
[ "$missing" = 0 ] && [ "$bad_balance" = 0 ] && [ "$bad_chain" = 0 ] && [ "$accepted" = "$TOTAL" ] \
  && [ "$(psql_db -c "SELECT count(*) FROM entry WHERE status <> 'POSTED'")" = 0 ] \
  && echo "scale-out end to end: PASSED" || { echo "scale-out end to end: FAILED (logs in $work)"; exit 1; }
