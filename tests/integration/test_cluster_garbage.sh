#!/bin/sh
# test_cluster_garbage.sh — malformed and truncated datagrams (random bytes,
# valid magic with garbage, fragment headers with absurd part numbers and
# totals, 40-byte datagrams, empty ones) sent to every node of a small
# cluster: every node keeps serving, counts the drops, answers a real PING,
# and the cluster still stores and finds values.
. "$(dirname "$0")/cluster.sh"

N=3
cluster_start 0 $N
cluster_wait_peers 2 0 $N
assert_exit 0 ctl n1 put before-garbage v0

DROP_RE='^(udp_)?rx_(dropped|oversize)'
addrs=""
i=0
while [ $i -le $N ]; do
	d=$(cl_counter_sum $i "$DROP_RE") || fail "no counters from n$i"
	eval "drops_$i=\$d"
	eval "lines_$i=\$(wc -l <\"\$(node_log n$i)\")"
	addrs="$addrs $(cl_addr $i)"
	i=$((i + 1))
done

it_run timeout -k 5 $((120 * IT_SLOW)) "$PYTHON" "$IT_LIB_DIR/udp_garbage.py" \
    --no-ping $addrs
note "$(tr '\n' ';' <"$OUT")"
[ "$RC" = 0 ] || fail "udp_garbage.py: $(cat "$OUT" "$ERR")"

i=0
while [ $i -le $N ]; do
	node_alive "n$i"
	eval "before=\$drops_$i; lines=\$lines_$i"
	after=$(cl_counter_sum $i "$DROP_RE") || fail "no counters from n$i"
	[ "$after" -gt "$before" ] ||
	    fail "n$i's drop counters did not grow ($before -> $after):
$(cl_counters $i | grep -E "$DROP_RE")"
	note "n$i: drop counters $before -> $after:" \
	    "$(cl_counters $i | grep -E "$DROP_RE" | grep -v ' 0$' | tr '\n' ' ')"
	# Per-packet warnings are rate-limited: not one log line per datagram.
	grew=$(($(wc -l <"$(node_log n$i)") - lines))
	if [ -z "$VERBOSE" ] && [ $grew -gt 100 ]; then
		fail "n$i wrote $grew log lines for about 450 bad datagrams"
	fi
	i=$((i + 1))
done

# The DHT still works, in both directions.
assert_exit 0 ctl n1 get before-garbage
assert_eq "v0" "$(cat "$OUT")" "get before-garbage through n1"
assert_exit 0 ctl n2 put after-garbage v1
assert_exit 0 ctl n0 get after-garbage
assert_eq "v1" "$(cat "$OUT")" "get after-garbage through n0"
assert_exit 0 ctl n3 get before-garbage

# Last (it leaves a silent peer behind): a real PING still gets a PONG.
it_run timeout -k 5 $((60 * IT_SLOW)) "$PYTHON" "$IT_LIB_DIR/udp_garbage.py" \
    --ping-only $addrs
[ "$RC" = 0 ] || fail "PING after the garbage: $(cat "$OUT" "$ERR")"
stop_node n2
