#!/bin/sh
# test_evil_endless.sh — a lookup among liars must still end.  Each victim's
# only bootstrap is an evilpeer --closer, which answers every FIND_NODE and
# FIND_VALUE with 20 made-up nodes one bit closer to the target each time,
# never with a value (its first socket's ID is keyed, so that the victim
# admits it: the made-up nodes are only ever lookup candidates):
#   n0: the made-up nodes are evilpeer's own 100 sockets on 100 addresses,
#       which answer the same way: the lookup ends at its query cap (3k +
#       alpha = 63, counter lookup_capped);
#   n2: the same crowd on one address (100 ports): a lookup keeps at most
#       2 candidates per IP (LOOKUP_IP_MAX), so it ends long before
#       (counter lookup_ip_refused);
#   n1: the made-up nodes are at addresses nobody answers (--silent): every
#       query to them times out (counter rpc_timeouts); a resent query no
#       longer holds the lookup back (lookup_stalled), so the lookup ends
#       when they have all failed, some 15 s, else at its deadline
#       (OP_LOOKUP_DEADLINE_MS, 20 s; check_integrity tests that one).
# On both, `emoctl get` of a missing key must end "not found" and `emoctl
# put` must store the value here (reported stored, or unavailable: no node
# acknowledged: "stored on this node only") within the deadline plus a
# margin; the times are printed.
. "$(dirname "$0")/evil.sh"

DEADLINE_S=20			# daemon/op.h OP_LOOKUP_DEADLINE_MS
LIMIT_S=$(( (DEADLINE_S + 10) * IT_SLOW ))

port=$(it_pick_port) || fail "no free UDP port"
[ "$port" -le 29800 ] || port=$((port - 200))
evil_start closer --closer --keyed --listen-range 127.0.30.1-101 --port "$port" \
    --per-ip 1 --seconds 300
evil_start oneip --closer --keyed --listen-range 127.0.31.1 --port "$port" \
    --per-ip 101 --seconds 300
evil_start silent --closer --keyed --silent --listen 127.0.40.1:"$port" --seconds 300
cl_conf 0 "limit_local = yes"
cl_conf 1 "limit_local = yes"
cl_conf 2 "limit_local = yes"
cl_start 0 --bootstrap "127.0.30.1:$port"
cl_start 1 --bootstrap "127.0.40.1:$port"
cl_start 2 --bootstrap "127.0.31.1:$port"
cluster_wait_peers 1 0 2	# each evilpeer answered its bootstrap ping

# vctl I ARGS...: emoctl on node I, its client timeout beyond the deadline.
vctl() {
	local i="$1"
	shift
	timeout -k 5 $((LIMIT_S + 30)) "$EMOCTL" --socket "$(node_sock "n$i")" \
	    --timeout $((LIMIT_S + 20)) "$@"
}

# timed WHAT ARGS...: runs vctl ARGS, prints and bounds its time.
timed() {
	local what="$1" t0 ms
	shift
	t0=$(now_ms)
	it_run vctl "$@"
	ms=$(( $(now_ms) - t0 ))
	note "$what: exit $RC after $ms ms: $(it_peek "$OUT" 200 | tr '\n' ' ')$(it_peek "$ERR" 200)"
	[ $ms -le $((LIMIT_S * 1000)) ] ||
	    fail "$what took $ms ms, beyond the ${DEADLINE_S} s lookup deadline + margin"
}

# victim I COUNTER: get, put, get on node I; COUNTER must move.
victim() {
	local i="$1" c0 c1
	c0=$(cl_counter_sum "$i" "^$2\$")
	timed "n$i: get of a key nobody holds" "$i" get evil-endless-missing
	[ "$RC" = 1 ] || fail "n$i: get through liars exited $RC, expected 1 (not found)"
	timed "n$i: put" "$i" put evil-endless-key "honest-$i"
	if [ "$RC" = 0 ]; then
		grep -q 'stored' "$OUT" || fail "n$i: put said: $(it_peek "$OUT")"
	else
		[ "$RC" = 4 ] && grep -q 'stored on this node only' "$ERR" ||
		    fail "n$i: put through liars exited $RC: $(it_peek "$ERR")"
	fi
	c1=$(cl_counter_sum "$i" "^$2\$")
	note "n$i: $2 $c0 -> $c1; lookup_capped $(cl_counter_sum "$i" '^lookup_capped$') lookup_expired $(cl_counter_sum "$i" '^lookup_expired$') lookup_queries $(cl_counter_sum "$i" '^lookup_queries$')"
	# Both lookups end so as a rule; one is enough to show the mechanism
	# (on a loaded machine a liar's late answers can end one otherwise).
	[ "$c1" -ge $((c0 + 1)) ] || fail "n$i: $2 moved $c0 -> $c1 over a get and a put"
	# The put stored its value here, whatever the liars did.
	timed "n$i: get of the value put here" "$i" get evil-endless-key
	[ "$RC" = 0 ] && grep -qxF "honest-$i" "$OUT" ||
	    fail "n$i: the value put here is not there (exit $RC): $(it_peek "$OUT")"
}

victim 0 lookup_capped
victim 1 rpc_timeouts
victim 2 lookup_ip_refused
node_alive n0
node_alive n1
node_alive n2
cluster_stop 0 2
kill -TERM "$(cat "$T/closer.pid")" "$(cat "$T/silent.pid")" \
    "$(cat "$T/oneip.pid")" 2>/dev/null
evil_wait closer
evil_wait silent
evil_wait oneip
n=$(evil_field closer finds_answered)
[ "$n" -ge 63 ] || fail "evilpeer answered only $n lookup queries of n0's lookups (one capped lookup asks 63)"
