#!/bin/sh
# test_fsync_fail.sh — the durability promise with real emods (docs/SECURITY.md,
# "Durability"), with fsync failures injected by tests/integration/fsync_shim.c
# (LD_PRELOAD; see its header for why not a full tmpfs):
#  - the node ID file is written tmp -> fsync -> rename -> fsync(directory);
#  - with sync = yes, a peer's StoreAck waits for the group commit;
#  - once an fsync fails: puts fail with "storage failing", status shows
#    storage_failed 1, a peer's STORE is refused and not counted as an ack,
#    gets are still served, the warning is logged once;
#  - after a restart every put acknowledged before the failure is there.
. "$(dirname "$0")/lib.sh"
need_python

: "${FSYNC_SHIM:=$(pwd)/build/tests/fsync_shim.so}"
[ -f "$FSYNC_SHIM" ] || skip "no $FSYNC_SHIM: run make $FSYNC_SHIM"

# Node a runs under the shim: only emod gets it, through a wrapper.
REAL_EMOD=$EMOD
cat >"$T/emod-shim" <<EOS
#!/bin/sh
LD_PRELOAD="$FSYNC_SHIM" EMO_SHIM_FAIL="$T/fail" EMO_SHIM_LOG="$T/shim.log" \
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0" \
exec "$REAL_EMOD" "\$@"
EOS
chmod +x "$T/emod-shim"

# counter NAME KEY: one counter of NAME's status.
counter() {
	assert_exit 0 ctl "$1" --json status
	"$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["counters"][sys.argv[2]])' "$OUT" "$2"
}

mkdir -p "$(node_dir a)" "$(node_dir b)"
echo "sync = yes" >"$(node_dir a)/conf"
EMOD="$T/emod-shim" start_node a
EMOD="$REAL_EMOD"

# The identity: node.key created (O_EXCL), synced, then the directory.
data=$(cd "$(node_data a)" && pwd -P)
order=$(awk -v key="$data/node.key" -v dir="$data" '
	$1 == "fsync" && $2 == key && !f { f = NR }
	$1 == "fsync" && $2 == dir && f && !d { d = NR }
	END { print (f && d && f < d) ? "ok" : "fsync " f ", fsync(dir) " d }' \
	"$T/shim.log")
assert_eq ok "$order" "node.key write order (line numbers in the shim log)"

N=20
i=1
while [ $i -le $N ]; do
	assert_exit 0 ctl a put "dur-$i" "payload-$i"
	i=$((i + 1))
done

# A peer's put: a's StoreAck waits for a's group commit, and counts.
start_node b --bootstrap "127.0.0.1:$(node_port a)"
n=0
while :; do
	assert_exit 0 ctl b --json status
	[ "$(json_get "$OUT" peers)" -ge 1 ] && break
	[ $n -lt 200 ] || fail "b did not join a within 10 s"
	sleep 0.05
	n=$((n + 1))
done
assert_exit 0 ctl b put from-b before
assert_grep "$OUT" ', 2 nodes acknowledged' "b's put before the failure"
[ "$(counter a store_acks_held)" -ge 1 ] ||
    fail "a answered b's STORE without holding it for the group commit"

# The disk fails: the put that meets the failed fsync is refused, and so
# is every later one, at once.
touch "$T/fail"
assert_exit 4 ctl a put doomed value
assert_grep "$ERR" 'storage failing' "the put that met the failed fsync"
assert_exit 4 ctl a put after value
assert_grep "$ERR" 'storage failing: an fsync of the store failed' \
    "a put after the failure"
assert_eq 1 "$(counter a storage_failed)" "a's storage_failed"

# A peer's STORE is refused, and a is not counted as an ack.
refused=$(counter a store_refused_storage)
it_run ctl b put from-b after
grep -q ', 2 nodes acknowledged' "$OUT" &&
    fail "b counted a as an ack after a's storage failed: $(it_peek "$OUT")"
[ "$(counter a store_refused_storage)" -gt "$refused" ] ||
    fail "a did not refuse b's STORE after its storage failed"

# Reads are still served; the warning was logged once, with the errno text.
assert_exit 0 ctl a get dur-1
assert_eq payload-1 "$(cat "$OUT")" "get dur-1 after the failure"
assert_eq 1 "$(grep -c 'storage failing: fsync of the store' "$(node_log a)")" \
    "warnings about the failed fsync in a's log"
assert_grep "$(node_log a)" 'storage failing: fsync of the store.*Input/output error' \
    "a's warning"

# After the disk is fixed, a restart brings back every acknowledged put.
stop_node a
rm -f "$T/fail"
EMOD="$T/emod-shim" start_node a
EMOD="$REAL_EMOD"
assert_eq 0 "$(counter a storage_failed)" "storage_failed after the restart"
i=1
while [ $i -le $N ]; do
	assert_exit 0 ctl a get "dur-$i"
	assert_eq "payload-$i" "$(cat "$OUT")" "get dur-$i after the restart"
	i=$((i + 1))
done
assert_exit 0 ctl a put again value
stop_node b
stop_node a
