#!/bin/sh
# test_cluster_leave.sh — 1 + 20 + 1 nodes: keys are stored, a last node
# joins through the first, the first (bootstrap) node is killed with
# SIGKILL, and every key is still found, exactly, from the last joiner.
. "$(dirname "$0")/cluster.sh"

N=20
LAST=$((N + 1))
KEYS=200
cluster_start 0 $N
cluster_wait_peers 10 0 $N

cl_keyfile "$T/keys" $KEYS leave
head -n $((KEYS / 2)) "$T/keys" >"$T/keys.a"
tail -n $((KEYS / 2)) "$T/keys" >"$T/keys.b"
for spec in "3 a" "12 b"; do
	set -- $spec
	it_run cl_load put "$1" "$T/keys.$2" 32
	[ "$RC" = 0 ] || fail "puts through n$1: $(cat "$OUT" "$ERR")
$(head -n 5 "$T/load.failed" 2>/dev/null)"
	note "n$1 $(cat "$OUT")"
done

# The last node knows only the bootstrap node, which then goes away.
cl_start $LAST --bootstrap "$(cl_addr 0)"
cluster_wait_peers 10 $LAST $LAST
cluster_ids 0 $LAST
cluster_responsible 0 "$T/keys" "$T/near0"
kill9_node n0

t0=$(now_ms)
it_run cl_load get $LAST "$T/keys" 32
t1=$(now_ms)
[ "$RC" = 0 ] || fail "after n0 was killed, n$LAST misses $(wc -l <"$T/load.failed" 2>/dev/null) of $KEYS keys:
$(head -n 5 "$T/load.failed" 2>/dev/null)
$(cat "$OUT" "$ERR")"
note "n$LAST found all $KEYS keys in $((t1 - t0)) ms after n0 died"
# Having seen n0 time out, n$LAST must stop waiting for it: its table drops
# a node after repeated timeouts, and the other nodes, which still list n0
# in their answers, must not lead every later lookup back to it.  Five keys
# with n0 among their 20 closest nodes: a lookup that still queries n0
# costs at least one RPC timeout, so fewer than 3 timeouts over the 5 gets
# says n0 is skipped (counted, not timed).
head -n 5 "$T/near0" >"$T/probe"
[ "$(wc -l <"$T/probe")" = 5 ] || fail "fewer than 5 keys near n0"
# The gets above ended without waiting for n0, but their queries to it
# run out their tries afterwards (rpc_orphan: that is how n$LAST learns
# n0 is dead): count from when they are over (at most 10 s).
before=$(cl_counter_sum $LAST '^rpc_timeouts$') || fail "no counters from n$LAST"
i=0
while [ $i -lt 10 ]; do
	sleep 1
	now=$(cl_counter_sum $LAST '^rpc_timeouts$') ||
	    fail "no counters from n$LAST"
	[ "$now" = "$before" ] && break
	before=$now
	i=$((i + 1))
done
t0=$(now_ms)
while read -r key val; do
	assert_exit 0 ctl "n$LAST" -x get "$key"
	assert_eq "$val" "$(cat "$OUT")" "get of $key through n$LAST"
done <"$T/probe"
t1=$(now_ms)
after=$(cl_counter_sum $LAST '^rpc_timeouts$') || fail "no counters from n$LAST"
note "then 5 gets of keys near n0 through n$LAST: $(((t1 - t0) / 5)) ms each," \
    "rpc_timeouts $before -> $after, $(cl_peers $LAST) peers"
[ $((after - before)) -lt 3 ] ||
    fail "gets through n$LAST still wait for the dead n0: rpc_timeouts $before -> $after over 5 gets ($(((t1 - t0) / 5)) ms each)"

# The network still takes writes and serves them elsewhere.
assert_exit 0 ctl "n$LAST" put after-leave still-here
assert_exit 0 ctl n7 get after-leave
assert_eq "still-here" "$(cat "$OUT")" "get after-leave through n7"
i=1
while [ $i -le $LAST ]; do
	node_alive "$(cl_name $i)"
	i=$((i + 1))
done
