#!/bin/sh
# test_log_debug.sh — log lines start with the UTC time unless stderr is
# the journal ($JOURNAL_STREAM names it: then <N> priorities, no time);
# `log_level = debug` shows bootstrap attempts, the join and peers added;
# per-packet events (here the rate limit) are rate-limited themselves: at
# most one line per kind per 10 s, the next saying how many were left out.
. "$(dirname "$0")/cluster.sh"

TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z emod: '

cl_conf 0 "log_level = debug" "rate_limit = 1" "rate_burst = 1"
cl_conf 1 "log_level = debug"
cluster_start 0 2
cluster_wait_peers 2 0 2
log0=$(node_log n0)
log1=$(node_log n1)

bad=$(grep -vcE "$TS_RE" "$log1")
[ "$bad" = 0 ] || fail "$bad lines of n1's log do not start with the time:
$(grep -vE "$TS_RE" "$log1" | head -n 3)"
# The peers can be in the table before the join lookup has ended (it may
# still wait on a slow answer): wait for each line, bounded.
for want in "bootstrap: pinged 1 address; next round in" \
    "answered; joining" "join: the lookup of our ID found" \
    "added to the routing table"; do
	end=$(($(date +%s) + 10 * IT_SLOW))
	until grep -qF "$want" "$log1"; do
		[ "$(date +%s)" -lt "$end" ] || fail "n1's debug log lacks '$want':
$(grep -v 'control client' "$log1" | tail -n 8)"
		sleep 0.2
	done
done

# n0 answers 1 request/s per source: puts through n1 and n2 are limited.
# Their lookups do not wait for n0 once a query to it went unanswered,
# and a node whose requests keep failing is soon left out of them: pings
# to n0's address (a try and its resends within a second) keep it asked.
end=$(($(date +%s) + 25 * IT_SLOW))
while :; do
	ctl n1 put "flood-$(it_rand16)" x >/dev/null 2>&1
	ctl n2 put "flood-$(it_rand16)" x >/dev/null 2>&1
	ctl n1 ping "$(cl_addr 0)" >/dev/null 2>&1
	grep -q "rate limit: dropped a request from .* more like it in" \
	    "$log0" && break
	[ "$(date +%s)" -lt "$end" ] || fail "no rate-limited summary line in 25 s:
$(grep 'rate limit' "$log0" | tail -n 3)"
done
lines=$(grep -c "rate limit: dropped a request" "$log0")
dropped=$(cl_counter_sum 0 '^rx_dropped_rate$')
[ "$dropped" -gt "$lines" ] ||
    fail "rx_dropped_rate $dropped but $lines log lines: nothing was suppressed"
# One line per 10 s at most (plus the first).
secs=$(($(date +%s) - $(stat -c %Y "$(node_dir n0)/pid")))
[ "$lines" -le $((secs / 10 + 2)) ] ||
    fail "$lines rate-limit lines in $secs s: more than one per 10 s"
note "rate limit: $dropped requests dropped, $lines debug lines"
cluster_stop 0 2

# Under the journal: priorities, no time.
mkdir -p "$(node_dir j)"
: >"$(node_log j)"
ino=$(stat -c '%d:%i' "$(node_log j)")
JOURNAL_STREAM=$ino start_node j
# The first line tells of the new node.key, the second that it is ready.
first=$(head -n 1 "$(node_log j)")
case $first in
"<6>new node identity in "*) ;;
*) fail "with JOURNAL_STREAM naming stderr the first line is '$first'" ;;
esac
ready=$(grep -m 1 ' ready: ' "$(node_log j)")
case $ready in
"<6>emod "*) ;;
*) fail "with JOURNAL_STREAM naming stderr the ready line is '$ready'" ;;
esac
stop_node j
exit 0
