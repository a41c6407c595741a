#!/bin/sh
# test_cluster_bundles.sh — messages for one peer queued in the same pass
# of the event loop travel in one datagram (a bundle, wire kind 3, see
# docs/PROTOCOL.md): 32 puts pipelined on one control connection send each
# peer several STOREs at once, and each peer answers with several
# StoreAcks at once.  Every value comes back through another node; bundles
# were sent and read; no node dropped a datagram as malformed.
. "$(dirname "$0")/cluster.sh"
need_python

N=5
cluster_start 0 $N
cluster_wait_peers $N 0 $N

"$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock n1)" putmany bundled 32 100 ||
    fail "32 pipelined puts through n1 failed"
assert_exit 0 ctl n4 get bundled
got=$(grep -c '^[0-9]\{8\}x' "$OUT")
assert_eq "$got" 32 "values of key bundled through n4"

joined=$(cl_counter_total 0 $N '^udp_tx_joined$') || exit 1
bundles=$(cl_counter_total 0 $N '^rx_bundles$') || exit 1
bad=$(cl_counter_total 0 $N '^rx_dropped_decode$') || exit 1
note "messages joined $joined, bundles read $bundles, dropped as malformed $bad"
[ "$joined" -gt 0 ] || fail "no message went in a bundle"
[ "$bundles" -gt 0 ] || fail "no node read a bundle"
assert_eq "$bad" 0 "datagrams dropped as malformed"
# A bundle holds at least two messages: fewer bundles than joined messages
# would mean some were never read.
[ "$bundles" -le "$joined" ] || fail "$bundles bundles read, only $joined messages joined"
cluster_stop 0 $N
