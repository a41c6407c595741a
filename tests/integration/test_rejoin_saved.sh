#!/bin/sh
# test_rejoin_saved.sh — 5 nodes joined through n0.  n1 stops (SIGTERM
# writes DATA_DIR/peers), then n0 stops for good; n1 restarted with no
# --bootstrap, and again with --bootstrap naming dead n0, rejoins from its
# saved peers: it gets peers within a bounded wait, its puts reach the other
# nodes and it finds what they store.
. "$(dirname "$0")/churn.sh"

N=4
cluster_start 0 $N
cluster_wait_peers $N 0 $N
assert_exit 0 ctl n2 put before-rejoin from-n2

PEERS_FILE=$(node_data n1)/peers
stop_node n1
[ -s "$PEERS_FILE" ] || fail "SIGTERM did not leave a peers file in $(node_data n1)"
grep -v '^#' "$PEERS_FILE" >"$T/saved" || true
note "n1 saved $(wc -l <"$T/saved") peers at SIGTERM"
for i in 0 2 3 4; do
	grep -qF " $(cl_addr $i)" "$T/saved" ||
	    fail "n1's peers file lacks n$i ($(cl_addr $i)):
$(cat "$PEERS_FILE")"
done
DEAD=$(cl_addr 0)
stop_node n0
# Nobody may answer at n0's address any more.
it_run ctl n2 --timeout $((3 * IT_SLOW)) ping "$DEAD"
[ "$RC" != 0 ] || fail "n0 ($DEAD) still answers a ping after SIGTERM"

LIVE=3		# n2, n3 and n4
# rejoin LABEL [EMOD ARGS...]: restarts n1 with ARGS and checks it rejoins.
rejoin() {
	local label="$1" t0 t1 t2 p end acks gets
	shift
	t0=$(now_ms)
	cl_start 1 "$@"
	end=$(($(date +%s) + CL_JOIN_LIMIT_S))
	while :; do
		p=$(cl_peers 1)
		[ "${p:-0}" -ge $LIVE ] && break
		[ "$(date +%s)" -lt "$end" ] ||
		    fail "$label: n1 has ${p:-?} peers ${CL_JOIN_LIMIT_S} s after its restart, expected $LIVE (n2..n4)
$(ctl n1 peers 2>&1)"
		sleep 0.1
	done
	t1=$(now_ms)
	note "$label: n1 has $p peers $((t1 - t0)) ms after its restart ($(grep -m 1 'joining' "$(node_log n1)"))"
	it_run ctl n1 peers
	grep -qF "$DEAD" "$OUT" &&
	    note "$label: n1's routing table still lists dead n0 ($DEAD)"
	# Its writes reach the others, and the others' values reach it.
	t0=$(now_ms)
	assert_exit 0 ctl n1 put "after-$label" "from-n1-$label"
	t1=$(now_ms)
	acks=$(sed -n 's/.*, \([0-9]*\) nodes\{0,1\} acknowledged.*/\1/p' "$OUT")
	[ "${acks:-0}" -ge 2 ] ||
	    fail "$label: a put through n1 was acknowledged by ${acks:-?} nodes, expected n1 and others: $(cat "$OUT")"
	gets=""
	for i in 2 3 4; do
		t2=$(now_ms)
		assert_exit 0 ctl "n$i" get "after-$label"
		assert_eq "from-n1-$label" "$(cat "$OUT")" "get after-$label through n$i"
		gets="$gets $(($(now_ms) - t2))"
	done
	assert_exit 0 ctl n1 get before-rejoin
	assert_eq from-n2 "$(cat "$OUT")" "get before-rejoin through n1 ($label)"
	note "$label: put through n1 acknowledged by $acks nodes in $((t1 - t0)) ms, read back through n2, n3, n4 in$gets ms"
}

rejoin "no-bootstrap"
stop_node n1
[ -s "$PEERS_FILE" ] || fail "the second SIGTERM left no peers file"
rejoin "dead-bootstrap" --bootstrap "$DEAD"
stop_node n1
cluster_stop 2 $N
