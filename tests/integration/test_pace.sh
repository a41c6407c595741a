#!/bin/sh
# test_pace.sh — a node keeps its requests to each peer under the peer's
# default rate limit (docs/PROTOCOL.md, "Pacing"): 3,000 puts pipelined
# through n1 of a 6-node cluster send each other node a STORE a put, more
# than the 800 a second (after 200) a node takes from one source.  n1's
# requests wait for their pace (rpc_paced) instead of being dropped: no
# node dropped a request over its rate limit, every put was answered, and
# values come back through another node.  (Resends are only noted: a
# machine loaded enough to stall a node past a request's timeout makes
# some without any drop.  The build before pacing dropped 2,361 requests
# here and resent as many.)
. "$(dirname "$0")/cluster.sh"
need_python

N=5
PUTS=3000
cluster_start 0 $N
cluster_wait_peers $N 0 $N

"$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock n1)" putkeys paced $PUTS 100 ||
    fail "$PUTS pipelined puts through n1 failed"
for i in 0 1500 2999; do
	assert_exit 0 ctl n4 get "paced-$i"
	assert_grep "$OUT" "^$(printf "%08d" $i)x" "value of paced-$i through n4"
done

paced=$(cl_counter_total 1 1 '^rpc_paced$') || exit 1
dropped=$(cl_counter_total 0 $N '^rx_dropped_rate$') || exit 1
retries=$(cl_counter_total 0 $N '^rpc_retries$') || exit 1
note "n1's requests that waited for their pace $paced; requests dropped over a rate limit $dropped; resends $retries"
# Not a speed test: if n1 never went over its pace, nothing was shown.
[ "$paced" -gt 0 ] ||
    fail "n1 never had to wait: $PUTS puts did not load one peer over the pace"
assert_eq "$dropped" 0 "requests dropped by a peer's rate limit"
cluster_stop 0 $N
