#!/bin/sh
# test_cluster_handover.sh — 1 + 20 nodes hold 1000 keys; a node that joins
# afterwards receives, in the background, every key it is among the 20
# closest nodes for (computed here from the node ids by XOR distance), and
# the check is exact: restarted alone, it answers those keys from its store.
. "$(dirname "$0")/cluster.sh"

N=20
NEW=$((N + 1))
KEYS=1000
cluster_start 0 $N
cluster_wait_peers 10 0 $N

cl_keyfile "$T/keys" $KEYS handover
it_run cl_load put 1 "$T/keys" 32
[ "$RC" = 0 ] || fail "putting $KEYS keys through n1: $(cat "$OUT" "$ERR")
$(head -n 5 "$T/load.failed" 2>/dev/null)"
note "$(cat "$OUT")"

t0=$(now_ms)
cl_start $NEW --bootstrap "$(cl_addr 0)"
cluster_wait_peers 10 $NEW $NEW
cluster_ids 0 $NEW
cluster_responsible $NEW "$T/keys" "$T/mine"
want=$(wc -l <"$T/mine")
[ "$want" -gt 0 ] || fail "n$NEW is responsible for no key: the check would be empty"
note "n$NEW is among the 20 closest for $want of $KEYS keys"

# The count includes keys beyond the responsible set, so reaching it does
# not prove the hand-over is over: wait until it also stops growing (1 s).
limit=$((60 * IT_SLOW))
[ $limit -le 150 ] || limit=150
end=$(($(date +%s) + limit))
last=-1
same=0
while :; do
	have=$(cl_values $NEW)
	have=${have:-0}
	if [ "$have" = "$last" ]; then
		same=$((same + 1))
	else
		same=0
	fi
	last=$have
	[ "$have" -ge "$want" ] && [ $same -ge 4 ] && break
	[ "$(date +%s)" -lt "$end" ] ||
	    fail "after $limit s n$NEW holds $have values, expected at least $want (and a steady count)"
	sleep 0.25
done
t1=$(now_ms)
note "n$NEW held $have values (steady) $((t1 - t0)) ms after it started"

# Which keys exactly?  Stop the whole cluster and ask n$NEW alone: a get
# can then only be answered from its own store.  Short RPC timeouts in
# case it remembers its (now dead) peers.
cluster_stop 0 $NEW
cl_conf $NEW "rpc_timeout_ms = 100" "rpc_retries = 0"
cl_start $NEW
it_run cl_load get $NEW "$T/mine" 32
if [ "$RC" != 0 ]; then
	missing=$(wc -l <"$T/load.failed")
	fail "n$NEW lacks $missing of the $want keys it is responsible for:
$(head -n 5 "$T/load.failed")"
fi
note "all $want keys present on n$NEW; it holds $(cl_values $NEW) values in all"
