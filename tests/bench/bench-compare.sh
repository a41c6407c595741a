#!/bin/sh
# bench-compare.sh — make bench-compare: emo's cluster bench and the
# OpenDHT reference peer (SHARED/bench/opendht_cluster.py, Debian's
# dhtnode) on the same N and value sizes, one after the other, and one
# table of both with the ratio (bench_compare_table.py).
#
# Env: EMOD, EMOCTL, BENCHDIR (as cluster-bench.sh); SHARED (the shared
# directory, default ../shared beside the repository); BENCH_N ("50 200");
# BENCH_SETTLE_S (20: seconds after emo's join before measuring);
# BENCH_OPS (2000 small, a quarter of it for 16 KiB; OpenDHT gets BENCH_OPS/2
# keys per size); BENCH_PY (/usr/bin/python3, the interpreter that has
# python3-opendht); BENCH_OUT (a directory to keep the raw results in).
# Asserts nothing about speed: exits non-zero only if it could not run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${SHARED:=$repo/../shared}"
: "${BENCH_N:=50 200}"
: "${BENCH_SETTLE_S:=20}"
: "${BENCH_OPS:=2000}"
: "${BENCH_PY:=/usr/bin/python3}"
ODHT="$SHARED/bench/opendht_cluster.py"

[ -f "$ODHT" ] || { echo "bench-compare: $ODHT missing (set SHARED=/path/to/shared)" >&2; exit 1; }
for n in $BENCH_N; do
	case $n in
	''|*[!0-9]*) echo "bench-compare: BENCH_N: '$n' is not a number" >&2; exit 2 ;;
	esac
	[ "$n" -ge 9 ] && [ "$n" -le 200 ] ||
	    { echo "bench-compare: BENCH_N: $n not in 9..200" >&2; exit 2; }
done

# The reference peer: Debian's dhtnode and python3-opendht, installed the
# way tools/deps.sh installs the build's packages (it says what it installs).
sh "$repo/tools/deps.sh" bench-compare || exit 1
"$BENCH_PY" -c 'import opendht' 2>/dev/null ||
    { echo "bench-compare: $BENCH_PY cannot import opendht" >&2; exit 1; }

if [ -n "${BENCH_OUT:-}" ]; then
	out=$BENCH_OUT
	mkdir -p "$out" || exit 1
else
	out=$(mktemp -d /tmp/emo-bcmp.XXXXXX) || exit 1
	trap 'rm -rf "$out"' EXIT
fi
trap 'exit 1' INT TERM HUP

small=$BENCH_OPS
large=$((BENCH_OPS / 4))
odht_ops=$((BENCH_OPS / 2))
[ "$large" -ge 10 ] || { echo "bench-compare: BENCH_OPS too small" >&2; exit 2; }

# OpenDHT's UDP ports BASE..BASE+N-1 and proxies BASE+N+100..: below the
# ephemeral range, away from cluster-bench's 20000..29199 picks.
odht_base=$((30000 + $$ % 2000))

for n in $BENCH_N; do
	echo "bench-compare: N=$n: emo (cluster-bench.sh, settle ${BENCH_SETTLE_S} s)" >&2
	: >"$out/emo.$n"
	CB_NODES=$n CB_SETTLE_S=$BENCH_SETTLE_S CB_RESULTS="$out/emo.$n" \
	    CB_SMALL_OPS=$small CB_LARGE_OPS=$large \
	    sh "$here/cluster-bench.sh" >"$out/emo.$n.txt" 2>"$out/emo.$n.err" ||
	    { cat "$out/emo.$n.err" >&2; echo "bench-compare: emo cluster bench failed at N=$n" >&2; exit 1; }
	echo "bench-compare: N=$n: OpenDHT, 32 in flight" >&2
	"$BENCH_PY" "$ODHT" -n "$n" -P "$odht_ops" -V 100,16384 -c 32 \
	    --base-port "$odht_base" --warmup-settle 5 --deadline 600 \
	    >"$out/odht.$n.txt" 2>"$out/odht.$n.err" ||
	    { tail -n 20 "$out/odht.$n.err" >&2; echo "bench-compare: OpenDHT run failed at N=$n" >&2; exit 1; }
	echo "bench-compare: N=$n: OpenDHT, one at a time" >&2
	"$BENCH_PY" "$ODHT" -n "$n" -P $((small / 10)) -V 100,16384 -c 1 \
	    --base-port "$odht_base" --warmup-settle 5 --deadline 600 \
	    >"$out/odht1.$n.txt" 2>"$out/odht1.$n.err" ||
	    { tail -n 20 "$out/odht1.$n.err" >&2; echo "bench-compare: OpenDHT run (one at a time) failed at N=$n" >&2; exit 1; }
done

# shellcheck disable=SC2086
"$BENCH_PY" "$here/bench_compare_table.py" "$out" $BENCH_N
