#!/bin/sh
# watch-bench.sh — make bench, watch part: put -> watch-output latency on
# loopback clusters.  A watch runs through node 0; puts go one at a time
# through node 3; each put's latency is from the moment its request is
# written to the moment the watch's answer carrying the value is read
# (through emod's control socket on both ends, with the Python example
# client: docs/examples/emo_client.py).  Two runs: 5 nodes, where node 0
# is one of the key's k (20) closest and takes each STORE itself (path
# "local"), and 25 nodes with a key whose 20 closest leave node 0 out, so
# every value reaches it as a Notify push (path "notify").
#
# Puts are paced WB_GAP_MS (60) apart, below a subscription's push rate
# (LISTEN_PUSH_PER_S, 20/s): faster, pushes beyond the burst wait for the
# catch-up (LISTEN_CATCHUP_MS), and that is what would be measured.
#
# Env: EMOD, EMOCTL, PYTHON; WB_PUTS (200; at most 250: one source may
# keep 256 values under a key), WB_GAP_MS.  Asserts nothing about speed; skips (exit
# 0, with a message) without python3-protobuf or protoc.  Only the PIDs it
# started are ever signalled.
set -u

: "${EMOD:=$(pwd)/build/emod}"
: "${EMOCTL:=$(pwd)/build/emoctl}"
PY=${PYTHON:-/usr/bin/python3}	# the Debian one, with python3-protobuf
WB_PUTS=${WB_PUTS:-200}
WB_GAP_MS=${WB_GAP_MS:-60}
[ "$WB_PUTS" -le 250 ] || WB_PUTS=250
top=$(cd "$(dirname "$0")/../.." && pwd)

if ! "$PY" -c 'import google.protobuf' 2>/dev/null ||
    ! command -v protoc >/dev/null 2>&1; then
	echo "watch latency: skipped (needs python3-protobuf and protoc)"
	exit 0
fi
tmp=$(mktemp -d /tmp/emo-wb.XXXXXX) || exit 1
: >"$tmp/pids"
cleanup() {
	local pid
	for pid in $(cat "$tmp/pids"); do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$tmp/pb"
protoc --proto_path="$top/proto" --python_out="$tmp/pb" \
    "$top/proto/control.proto" || exit 1
base=$(( 31000 + $$ % 2000 ))
sock() { printf '%s/n%s.sock' "$tmp" "$1"; }

cat >"$tmp/measure.py" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
import emo_client as ec
ec.load_pb(sys.argv[2])
n, key, nodes, path = int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
gap = int(sys.argv[9]) / 1000
w = ec.Client(sys.argv[3], timeout=30)
p = ec.Client(sys.argv[4], timeout=30)
w.sock.sendall(w._frame(ec.watch_request(key)))
time.sleep(0.5)                 # the watch subscribes first
lat = []
for i in range(n):
    time.sleep(gap)
    value = b"v%d" % i
    t0 = time.monotonic()
    p.sock.sendall(p._frame(ec.put_request(key, value)))
    while True:
        r = w.read_response()
        if r.WhichOneof("body") != "watch":
            sys.exit("watch answered %s" % r)
        if r.watch.value.data == value:
            break
    lat.append((time.monotonic() - t0) * 1000)
    if p.read_response().WhichOneof("body") != "put":
        sys.exit("put %d failed" % i)
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print("%5s %-7s %6d %8.2f %8.2f %8.2f %8.2f" % (nodes, path, n,
      q(0.5), q(0.9), q(0.99), lat[-1]))
PY

# pick N: a key name whose 20 closest nodes leave node 0 out.
pick() {
	local i=0 j=0
	: >"$tmp/ids"
	while [ $i -lt "$1" ]; do
		"$EMOCTL" --socket "$(sock $i)" --json status |
		    sed -n 's/.*"node_id":"\([0-9a-f]*\)".*/\1/p' >>"$tmp/ids"
		i=$((i + 1))
	done
	while [ $j -lt 200 ]; do
		echo "watch-bench-$j $("$EMOCTL" hash "watch-bench-$j")"
		j=$((j + 1))
	done >"$tmp/keys"
	"$PY" - "$tmp/ids" "$tmp/keys" <<'PY'
import sys
ids = [int(l, 16) for l in open(sys.argv[1]).read().split()]
for line in open(sys.argv[2]):
    name, h = line.split()
    k = int(h, 16)
    if sum(1 for n in ids[1:] if n ^ k < ids[0] ^ k) >= 20:
        print(name)
        break
PY
}

# run N: an N-node cluster, the measurement, then the nodes stop.
run() {
	local nodes=$1 i n boot key path pid want
	: >"$tmp/pids.run"
	i=0
	while [ $i -lt "$nodes" ]; do
		boot=""
		[ $i -gt 0 ] && boot="--bootstrap 127.0.0.10:$base"
		mkdir -p "$tmp/n$i"
		echo "# watch-bench" >"$tmp/n$i/conf"
		# shellcheck disable=SC2086
		"$EMOD" --config "$tmp/n$i/conf" \
		    --listen "127.0.0.$((10 + i)):$((base + i))" \
		    --data-dir "$tmp/n$i/data" --socket "$(sock $i)" \
		    --storage memory $boot </dev/null >"$tmp/n$i/log" 2>&1 &
		echo $! >>"$tmp/pids"
		echo $! >>"$tmp/pids.run"
		n=0
		until "$EMOCTL" --socket "$(sock $i)" status >/dev/null 2>&1; do
			n=$((n + 1))
			[ $n -lt 400 ] || { echo "watch-bench: n$i did not start" >&2; exit 1; }
			sleep 0.05
		done
		i=$((i + 1))
	done
	# Every node knows the others (15 of them at least) before measuring.
	want=$((nodes - 1))
	[ $want -le 15 ] || want=15
	n=0
	i=0
	while [ $i -lt "$nodes" ]; do
		until [ "$("$EMOCTL" --socket "$(sock $i)" --json status |
		    sed -n 's/.*"peers":\([0-9]*\).*/\1/p')" -ge $want ]; do
			n=$((n + 1))
			[ $n -lt 1200 ] || { echo "watch-bench: the cluster did not form" >&2; exit 1; }
			sleep 0.05
		done
		i=$((i + 1))
	done
	if [ "$nodes" -le 20 ]; then
		key=watch-bench-small path=local
	else
		key=$(pick "$nodes") path=notify
		[ -n "$key" ] || { echo "watch-bench: no key leaves n0 out" >&2; exit 1; }
	fi
	"$PY" -B "$tmp/measure.py" "$top/docs/examples" "$tmp/pb" "$(sock 0)" \
	    "$(sock 3)" "$WB_PUTS" "$key" "$nodes" "$path" "$WB_GAP_MS" || exit 1
	for pid in $(cat "$tmp/pids.run"); do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"/n[0-9]*
}

echo "put -> watch latency: puts through n3 one at a time, $WB_GAP_MS ms apart; a watch on n0"
printf '%5s %-7s %6s %8s %8s %8s %8s\n' nodes path puts p50_ms p90_ms \
    p99_ms max_ms
run 5
run 25
