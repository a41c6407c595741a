#!/bin/sh
# watch-bench.sh — make bench, watch part: put -> watch-output latency on a
# 5-node loopback cluster.  A watch runs through node 0; puts go one at a
# time through node 3; each put's latency is from the moment its request
# is written to the moment the watch's answer carrying the value is read
# (through emod's control socket on both ends, with the Python example
# client: docs/examples/emo_client.py).  Prints p50, p99 and max.
#
# Env: EMOD, EMOCTL; WB_PUTS (200; at most 250: one source may keep 256
# values under a key).  Asserts nothing about speed; skips
# (exit 0, with a message) without python3-protobuf or protoc.  Only the
# PIDs it started are ever signalled.
set -u

: "${EMOD:=$(pwd)/build/emod}"
: "${EMOCTL:=$(pwd)/build/emoctl}"
WB_PUTS=${WB_PUTS:-200}
[ "$WB_PUTS" -le 250 ] || WB_PUTS=250
WB_NODES=5
PY=${PYTHON:-/usr/bin/python3}	# the Debian one, with python3-protobuf
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

base=$(( 31000 + $$ % 2000 ))
sock() { printf '%s/n%s.sock' "$tmp" "$1"; }
i=0
while [ $i -lt $WB_NODES ]; do
	boot=""
	[ $i -gt 0 ] && boot="--bootstrap 127.0.0.10:$base"
	mkdir -p "$tmp/n$i"
	echo "# watch-bench" >"$tmp/n$i/conf"
	# shellcheck disable=SC2086
	"$EMOD" --config "$tmp/n$i/conf" --listen "127.0.0.$((10 + i)):$((base + i))" \
	    --data-dir "$tmp/n$i/data" --socket "$(sock $i)" --storage memory \
	    $boot </dev/null >"$tmp/n$i/log" 2>&1 &
	echo $! >>"$tmp/pids"
	n=0
	until "$EMOCTL" --socket "$(sock $i)" status >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 400 ] || { echo "watch-bench: n$i did not start" >&2; exit 1; }
		sleep 0.05
	done
	i=$((i + 1))
done
# Every node knows every other before measuring (bounded).
n=0
for i in 0 1 2 3 4; do
	until [ "$("$EMOCTL" --socket "$(sock $i)" --json status |
	    sed -n 's/.*"peers":\([0-9]*\).*/\1/p')" -ge $((WB_NODES - 1)) ]; do
		n=$((n + 1))
		[ $n -lt 600 ] || { echo "watch-bench: the cluster did not form" >&2; exit 1; }
		sleep 0.05
	done
done
mkdir -p "$tmp/pb"
protoc --proto_path="$top/proto" --python_out="$tmp/pb" "$top/proto/control.proto"
"$PY" -B - "$top/docs/examples" "$tmp/pb" "$(sock 0)" "$(sock 3)" "$WB_PUTS" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
import emo_client as ec
ec.load_pb(sys.argv[2])
n = int(sys.argv[5])
w = ec.Client(sys.argv[3], timeout=30)
p = ec.Client(sys.argv[4], timeout=30)
key = "watch-bench-%d" % time.time_ns()
req = ec.watch_request(key)
w.sock.sendall(w._frame(req))
lat = []
for i in range(n):
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
print("watch latency, put through n3 -> emoctl-style watch on n0, "
      "5 nodes, %d puts one at a time" % n)
print("%10s %10s %10s %10s" % ("p50_ms", "p90_ms", "p99_ms", "max_ms"))
print("%10.2f %10.2f %10.2f %10.2f" % (q(0.5), q(0.9), q(0.99), lat[-1]))
PY
