#!/bin/sh
# test_flood.sh — a flood from one source: five emods on 127.0.0.0/8, n0
# with limit_local = yes (loopback keyed by IP like a public address); one
# address (127.0.0.99) sends n0 10,000 valid PING and FIND_NODE requests a
# second for 5 s (flood.py) while honest puts and gets run through the
# other nodes.  The flooder gets no more answers than rate_limit allows
# (rate x measured duration + burst), n0 counts the drops
# (rx_dropped_rate), and >= 99 % of the honest operations succeed.
. "$(dirname "$0")/../integration/cluster.sh"

N=4
FLOOD_S=5
FLOOD_RATE=10000
# emod's defaults (docs/SECURITY.md, "Rate limits"), written out so that
# the bound below follows the config.
RATE_LIMIT=800
RATE_BURST=200
cl_conf 0 "limit_local = yes" "rate_limit = $RATE_LIMIT" "rate_burst = $RATE_BURST"
cluster_start 0 $N
# n0 holds at most 2 nodes of one /24 per bucket (limit_local): 2 of 4.
cluster_wait_peers $N 1 $N
cluster_wait_peers 2 0 0

# Honest work: keys put before the flood and read during it, and keys put
# during it and read after it.
cl_keyfile "$T/before" 100 before
cl_keyfile "$T/during" 100 during
CL_FAILED="$T/f.pre" "$PYTHON" "$T/clload.py" put "$(node_sock n3)" "$T/before" 4 ||
    fail "puts before the flood: $(head -n 5 "$T/f.pre")"
drops0=$(cl_counter_sum 0 '^rx_dropped_rate$')

# honest OP NODE KEYFILE NAME: the keys in 10 slices of 10, 0.2 s apart,
# so that they spread over the flood; failures listed in $T/f.NAME.
honest() {
	local k=0 rc=0
	: >"$T/f.$4"
	: >"$T/o.$4"
	while [ $k -lt 10 ]; do
		sed -n "$((k * 10 + 1)),$((k * 10 + 10))p" "$3" >"$T/slice.$4"
		CL_FAILED="$T/f1.$4" timeout -k 5 $((60 * IT_SLOW)) \
		    "$PYTHON" "$T/clload.py" "$1" "$(node_sock "$2")" \
		    "$T/slice.$4" 2 >>"$T/o.$4" 2>&1 || rc=1
		cat "$T/f1.$4" >>"$T/f.$4" 2>/dev/null
		k=$((k + 1))
		[ "${5:-}" = paced ] && sleep 0.2
	done
	echo $rc >"$T/rc.$4"
}

timeout -k 5 $((60 * IT_SLOW)) "$PYTHON" "$HOSTILE_DIR/flood.py" \
    "$(cl_addr 0)" $FLOOD_S $FLOOD_RATE $RATE_LIMIT $RATE_BURST \
    >"$T/flood.out" 2>&1 &
flood_pid=$!
track_pid $flood_pid
sleep 0.5
t0=$(now_ms)
honest put n1 "$T/during" put paced &
p1=$!
honest get n2 "$T/before" get paced &
p2=$!
# Not a bare wait: that would wait for the emod wrappers too.
wait $p1
wait $p2
t1=$(now_ms)
wait $flood_pid
flood_rc=$?
cat "$T/flood.out"
[ -s "$T/rc.put" ] && [ -s "$T/rc.get" ] || fail "honest load did not finish"
# Every value put during the flood must be readable afterwards, elsewhere.
honest get n4 "$T/during" after

total=0
bad=0
for k in put get after; do
	note "honest $k: $(awk '{ n += $2 } END { print n + 0 }' "$T/o.$k") operations, $(grep -c . "$T/f.$k") failed"
	n=$(grep -c . "$T/f.$k" 2>/dev/null)
	bad=$((bad + ${n:-0}))
	total=$((total + 100))
	[ "$(cat "$T/rc.$k")" = 0 ] || [ -s "$T/f.$k" ] ||
	    fail "honest $k failed without a list of keys: $(cat "$T/o.$k")"
done
note "honest operations: $((total - bad)) of $total succeeded ($(((total - bad) * 100 / total)) %), the put and get under flood took $((t1 - t0)) ms"
[ $((bad * 100)) -le "$total" ] ||
    fail "$bad of $total honest operations failed: $(head -n 5 "$T"/f.put "$T"/f.get "$T"/f.after)"

drops1=$(cl_counter_sum 0 '^rx_dropped_rate$')
note "n0 rx_dropped_rate: $drops0 -> $drops1"
[ "${drops1:-0}" -gt "${drops0:-0}" ] ||
    fail "n0 counted no rate-limit drops during the flood ($drops0 -> $drops1)"
grep -q '^FAIL' "$T/flood.out" && fail "flood: $(grep '^FAIL' "$T/flood.out")"
[ "$flood_rc" = 0 ] || fail "flood.py exited $flood_rc"
grep -q '^answers:' "$T/flood.out" || fail "flood.py did not finish"
i=0
while [ $i -le $N ]; do
	node_alive "n$i"
	i=$((i + 1))
done
