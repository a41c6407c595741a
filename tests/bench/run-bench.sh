#!/bin/sh
# make bench: single-node control-socket throughput (plain and signed
# values), sign/verify cost per value, node identities (bench_ident: key
# pairs a second, ID generation at the default id_difficulty, the
# handshake's signature and check), put -> watch latency
# (watch-bench.sh), Pings a second answered by one node beside the loopback
# echo limit (ping-bench.sh), the floor under one operation at a time
# (bench_fanout: a put's 20 wake-ups, a get's 3, with no work in them)
# and, when present, the cluster benchmark.  Env: EMOD, EMOCTL, BENCHDIR (built bench programs).
set -u
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(( 30000 + $$ % 2000 ))
single() {	# STORAGE SYNC [STORAGE_KEY_FILE]
	rm -rf "$tmp/data"
	printf 'sync = %s\n' "$2" > "$tmp/emod.conf"
	[ -z "${3:-}" ] || printf 'storage_key_file = %s\n' "$3" >>"$tmp/emod.conf"
	"$EMOD" --config "$tmp/emod.conf" --listen "127.0.0.1:$port" \
	    --data-dir "$tmp/data" --socket "$tmp/sock" --storage "$1" \
	    2>"$tmp/log" &
	pid=$!
	i=0
	while ! "$EMOCTL" --socket "$tmp/sock" status >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 200 ] || { cat "$tmp/log"; exit 1; }
		sleep 0.05
	done
	for spec in "100 200000" "32768 5000"; do
		set -- $spec
		printf '%-8s %-5s ' "$storage" "$sync"
		"$BENCHDIR/bench_ctl" "$tmp/sock" "$2" "$1" 128 || exit 1
	done
	# Signed puts (signed by the bench client, checked by emod) and gets
	# by signer and name: a row of their own.
	for spec in "100 50000" "32768 2000"; do
		set -- $spec
		printf '%-8s %-5s ' "$storage" "signed"
		"$BENCHDIR/bench_ctl" "$tmp/sock" "$2" "$1" 128 signed || exit 1
	done
	rss=$(awk '/VmHWM/ { print $2 }' /proc/$pid/status)
	kill "$pid"; wait "$pid"; pid=""
	echo "         peak RSS of emod: $rss KiB"
}

echo "single node, control socket, one connection, 128 requests in flight"
printf '%-8s %-5s %-10s %10s %8s %12s %12s %8s\n' storage sync value_B ops window \
    puts/s gets/s errors
for storage in leveldb memory; do
	sync=no
	single "$storage" "$sync"
done
storage=leveldb; sync=yes
single leveldb yes
# Encrypted at rest (storage_key_file): the same leveldb rows, sealed.
(umask 077 && head -c 32 /dev/urandom >"$tmp/storage.key")
storage=ldb+key; sync=no
single leveldb no "$tmp/storage.key"
echo
echo "encryption per value: at rest (XChaCha20-Poly1305) and emoctl's envelope (sealed box)"
"$BENCHDIR/bench_atrest" 2000 || exit 1
echo
echo "signed values: CPU per value (sigval_sign; sigval_check = point, key, signature)"
"$BENCHDIR/bench_sig" 2000 || exit 1
echo
echo "one key of 4,096 values in LevelDB: a page of 64, read as FIND_VALUE does"
for vb in 100 1024; do
	rm -rf "$tmp/store"
	"$BENCHDIR/bench_store" "$tmp/store" 4096 "$vb" 100 || exit 1
done
echo
echo "a store of many keys: filling it (a put of a new key), a get, and a STORE under a held key (random keys)"
rm -rf "$tmp/store"
"$BENCHDIR/bench_storekeys" 100000 100000 "$tmp/store" || exit 1
"$BENCHDIR/bench_storekeys" 1000000 200000 || exit 1
echo
"$BENCHDIR/bench_ident" 10 20 || exit 1
echo
sh tests/bench/watch-bench.sh || exit 1
echo
sh tests/bench/ping-bench.sh || exit 1
echo
echo "the floor under one operation at a time: a client, a putter and N holders doing no work but the same wake-ups (bench_fanout)"
for spec in "20 20" "20 200" "3 3"; do
	set -- $spec
	"$BENCHDIR/bench_fanout" -n "$1" -p "$2" -r 2000 || exit 1
done
if [ -f tests/bench/cluster-bench.sh ]; then
	sh tests/bench/cluster-bench.sh
fi
