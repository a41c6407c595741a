#!/bin/sh
# ping-bench.sh — one emod answering Pings from bench_ping on 127.0.0.1,
# beside the loopback echo limit measured in the same run (bench_ping -e:
# two processes, batched UDP echo).  The node is configured not to
# rate-limit the generator (rate_limit, rate_burst, answer_budget).
# Env: EMOD, EMOCTL, BENCHDIR; PB_SECONDS (5), PB_WINDOW (512), PB_BATCH (64).
# Asserts nothing about speed: exits non-zero only if it could not run.
set -u
: "${PB_SECONDS:=5}"
: "${PB_WINDOW:=512}"
: "${PB_BATCH:=64}"
tmp=$(mktemp -d /tmp/emo-pb.XXXXXX) || exit 1
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

port=$((31000 + $$ % 1500))
cat >"$tmp/conf" <<EOF
rate_limit = 1000000
rate_burst = 1000000
answer_budget = 1G
EOF
"$EMOD" --config "$tmp/conf" --listen "127.0.0.1:$port" --data-dir "$tmp/data" \
    --socket "$tmp/sock" --storage memory </dev/null >"$tmp/log" 2>&1 &
pid=$!
i=0
while ! "$EMOCTL" --socket "$tmp/sock" status >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { cat "$tmp/log" >&2; exit 1; }
	sleep 0.05
done
pb_cpu() {	# CPU seconds of emod so far
	sed 's/^.*) //' "/proc/$pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }'
}
echo "single emod answering Pings on 127.0.0.1 (bench_ping, batched sendmmsg/recvmmsg; echo = the loopback limit, two processes)"
"$BENCHDIR/bench_ping" -e -t "$PB_SECONDS" -w "$PB_WINDOW" -b "$PB_BATCH" >"$tmp/echo" || exit 1
cat "$tmp/echo"
cpu0=$(pb_cpu)
"$BENCHDIR/bench_ping" -t "$PB_SECONDS" -w "$PB_WINDOW" -b "$PB_BATCH" "127.0.0.1:$port" >"$tmp/emod" || exit 1
cpu1=$(pb_cpu)
cat "$tmp/emod"
# "... (N sent, R replies in ..."
awk -v c0="$cpu0" -v c1="$cpu1" '{ for (i = 1; i < NF; i++) if ($(i + 1) == "replies" && $(i + 2) == "in") r = $i }
    END { if (r > 0) printf "emod CPU %.2f s for %d replies: %.2f us a Ping\n", c1 - c0, r, (c1 - c0) * 1e6 / r }' "$tmp/emod"
