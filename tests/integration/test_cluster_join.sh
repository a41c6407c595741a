#!/bin/sh
# test_cluster_join.sh — 1 + 20 nodes, each on its own loopback address,
# join through the first: every table fills, every peer entry carries that
# peer's own id and address, ping returns the peer's id, nodes stop cleanly.
. "$(dirname "$0")/cluster.sh"

N=${CL_JOIN_N:-20}	# CL_JOIN_N=100: the 1 + 100 nodes scenario
MIN_PEERS=10	# K = 20 in a 21-node network: a joined node knows most others

t0=$(now_ms)
cluster_start 0 $N
t1=$(now_ms)
cluster_wait_peers $MIN_PEERS 0 $N
t2=$(now_ms)
note "started $((N + 1)) nodes in $((t1 - t0)) ms; all have >= $MIN_PEERS peers" \
    "$((t2 - t1)) ms later; peers min/median/max $(cluster_peer_stats 0 $N)"

# Each table entry must name a real node under its own id and at the address
# that node listens on (not 0.0.0.0, not the id of whoever told us about it),
# and a node never lists itself.
cluster_ids 0 $N
i=0
while [ $i -le $N ]; do
	ctl "$(cl_name $i)" --json peers >"$T/peers.$i" ||
	    fail "emoctl peers failed on n$i"
	i=$((i + 1))
done
"$PYTHON" - "$T" $N >"$T/check" 2>&1 <<'PY' || fail "routing tables: $(cat "$T/check")"
import json, sys
t, n = sys.argv[1], int(sys.argv[2])
ids = {}
for line in open(t + "/ids"):
    i, nid, addr = line.split()
    ids[nid] = (int(i), addr)
bad = []
for i in range(n + 1):
    peers = json.load(open("%s/peers.%d" % (t, i)))
    me = [k for k, v in ids.items() if v[0] == i][0]
    for p in peers:
        if p["id"] == me:
            bad.append("n%d lists itself" % i)
        elif p["id"] not in ids:
            bad.append("n%d lists unknown id %s at %s" % (i, p["id"][:16], p["address"]))
        elif ids[p["id"]][1] != p["address"]:
            bad.append("n%d lists n%d at %s, it listens on %s"
                       % (i, ids[p["id"]][0], p["address"], ids[p["id"]][1]))
        for f in ("last_seen_ago_ms", "rtt_us"):
            if not isinstance(p.get(f), int) or p[f] < 0:
                bad.append("n%d: peer %s has %s=%r" % (i, p["id"][:16], f, p.get(f)))
print("\n".join(bad[:20]))
sys.exit(1 if bad else 0)
PY

# ping prints the other node's id (and a round-trip time).
id5=$(cl_id 5)
id0=$(cl_id 0)
[ ${#id5} = 64 ] && [ ${#id0} = 64 ] || fail "no node id from n5 or n0 status"
assert_exit 0 ctl n1 ping "$(cl_addr 5)"
assert_grep "$OUT" "$id5" "emoctl ping $(cl_addr 5) (n5 is $id5)"
assert_exit 0 ctl n1 --json ping "$(cl_addr 5)"
assert_grep "$OUT" "\"$id5\"" "emoctl --json ping"
assert_exit 0 ctl "n$N" ping "$(cl_addr 0)"
assert_grep "$OUT" "$id0" "emoctl ping of the bootstrap node"

# Nobody listens there: a failure (not success, not a usage error), bounded
# by the RPC timeout and retries (1 s x 3 by default).
dead=$(cl_ip 200):$(node_port n0)
t0=$(now_ms)
it_run ctl n1 ping "$dead"
t1=$(now_ms)
[ "$RC" != 0 ] && [ "$RC" != 2 ] ||
    fail "ping of $dead (nobody there) exited $RC: $(it_peek "$OUT")"
note "ping of a silent address: exit $RC after $((t1 - t0)) ms"

# Stopping nodes with requests in flight to them is clean (exit 0, no leak).
stop_node "n$N"
stop_node n0
node_alive n1
