#!/bin/sh
# test_evil_near.sh — node IDs made up next to a key cannot take over the
# tables: evilpeer --near claims 100 IDs sharing 240 bits with one key from
# a single IP:port, and a second one 100 more from 30 ports of one IP.
# Each ID in turn PINGs every node of a 4-node cluster (limit_local = yes,
# so loopback counts like public addresses) and answers the admission ping
# under that same ID.  The IDs next to the key are claimed, with no key
# behind them, so their identity proofs fail and they enter no table; the
# first ID of each evilpeer socket is a real, keyed one (--keyed), which
# gets in, so that lookups reach evilpeer and meet the crowd as
# candidates.  Afterwards every
# node's table must hold at most 2 entries per IP address (ROUTE_IP_MAX),
# and so at most 2 of each evilpeer's IDs.  An honest put and get of the
# key are then run, with the evilpeers still answering, and their outcome
# printed (lookups do not apply the IP limits to candidates, so the made-up
# IDs can crowd a key's k closest: docs/SECURITY.md, open).
. "$(dirname "$0")/evil.sh"

N=3
KEY=evil-near-key
IDS=100
SECS=$((12 * IT_SLOW))

i=0
while [ $i -le $N ]; do
	cl_conf $i "limit_local = yes"
	i=$((i + 1))
done
cluster_start 0 $N
cluster_wait_peers $N 0 $N
targets=""
i=0
while [ $i -le $N ]; do
	targets="$targets --target $(cl_addr $i)"
	i=$((i + 1))
done
port=$(it_pick_port) || fail "no free UDP port"
[ "$port" -le 29900 ] || port=$((port - 100))
# They run on (answering) through the honest put and get below.
evil_start one --near "$KEY" --keyed --ids $IDS --listen "127.0.50.1:$port" \
    $targets --seconds $((SECS + 60 * IT_SLOW))
evil_start ten --near "$KEY" --keyed --ids $IDS --listen-range 127.0.51.1 \
    --port "$port" --per-ip 30 $targets --seconds $((SECS + 60 * IT_SLOW))
sleep $SECS	# each ID has pinged every node at least twice (20 a second)

key=$("$EMOCTL" hash "$KEY") || fail "emoctl hash failed"
i=0
while [ $i -le $N ]; do
	ctl "n$i" --json peers >"$T/peers.$i" || fail "emoctl peers failed on n$i"
	i=$((i + 1))
done
"$PYTHON" - "$T" $N "$key" >"$T/check" 2>&1 <<'PY'
import json, sys
t, n, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 16)
bad = []
for i in range(n + 1):
    peers = json.load(open("%s/peers.%d" % (t, i)))
    per_ip = {}
    near = 0
    for p in peers:
        ip = p["address"].rsplit(":", 1)[0]
        per_ip[ip] = per_ip.get(ip, 0) + 1
        if 256 - (int(p["id"], 16) ^ key).bit_length() >= 240:
            near += 1
    e1, e2 = per_ip.get("127.0.50.1", 0), per_ip.get("127.0.51.1", 0)
    print("n%d: %d entries, %d near the key, %d at 127.0.50.1 (one port), "
          "%d at 127.0.51.1 (30 ports), most at one IP %d"
          % (i, len(peers), near, e1, e2, max(per_ip.values() or [0])))
    if max(per_ip.values() or [0]) > 2:
        bad.append("n%d holds %d entries at one IP" % (i, max(per_ip.values())))
    if near > 4:
        bad.append("n%d holds %d IDs near the key" % (i, near))
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
rc=$?
while read -r l; do note "$l"; done <"$T/check"
[ $rc = 0 ] || fail "routing tables over the IP limits"
refused=0
i=0
while [ $i -le $N ]; do
	refused=$((refused + $(cl_counter_sum $i '^route_refused_(ip|prefix)$')))
	i=$((i + 1))
done
note "route_refused_ip + route_refused_prefix over the cluster: $refused"

# An honest put and get of that key still meet: a lookup keeps at most
# 2 candidates per IP (LOOKUP_IP_MAX), so the crowd cannot be all 20.
it_run ctl n1 put "$KEY" honest-near
note "honest put on n1: exit $RC $(it_peek "$OUT" 200 | tr '\n' ' ')$(it_peek "$ERR" 200)"
[ "$RC" -eq 0 ] || fail "honest put of the crowded key failed: exit $RC"
it_run ctl n3 get "$KEY"
note "honest get on n3: exit $RC $(it_peek "$OUT" 200 | tr '\n' ' ')$(it_peek "$ERR" 200)"
[ "$RC" -eq 0 ] && grep -q '^honest-near$' "$OUT" ||
    fail "honest get on n3 did not find the value (exit $RC)"
ipref=0
i=0
while [ $i -le $N ]; do
	ipref=$((ipref + $(cl_counter_sum $i '^lookup_ip_refused$')))
	i=$((i + 1))
done
note "lookup_ip_refused over the cluster: $ipref"
[ "$ipref" -gt 0 ] || fail "no lookup left a crowd candidate out"
kill -TERM "$(cat "$T/one.pid")" "$(cat "$T/ten.pid")" 2>/dev/null
evil_wait one
evil_wait ten
p1=$(evil_field one pings_answered)
p2=$(evil_field ten pings_answered)
[ "$(evil_field one requests)" -ge $((IDS * (N + 1))) ] ||
    fail "evilpeer (one port) sent only $(evil_field one requests) pings"
[ "$p1" -ge 1 ] && [ "$p2" -ge 1 ] ||
    fail "no admission ping reached evilpeer ($p1, $p2): the attack never met the tables"
i=0
while [ $i -le $N ]; do
	node_alive "n$i"
	i=$((i + 1))
done
cluster_stop 0 $N
