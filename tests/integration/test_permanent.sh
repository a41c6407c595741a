#!/bin/sh
# test_permanent.sh — `emoctl put --permanent` on a 3-node cluster with a
# 3 s TTL: the value is still found from another node after more than twice
# its TTL (a plain put made beside it is gone); `emoctl cancel` stops it, so
# it expires; the list survives a restart of the node that took the put,
# which keeps re-putting; value ids agree between put, get --json and the
# list; a wrong id is exit 1, a malformed one exit 2.
. "$(dirname "$0")/cluster.sh"

TTL=3
WAIT=$((2 * TTL + 3))		# > 2 x TTL, so only re-puts can explain it

cluster_start 0 2
cluster_wait_peers 2 0 2

# get_found NODE KEY: 0 if a get of KEY on NODE finds a value.
get_found() {
	ctl "$1" get "$2" >"$T/got" 2>"$T/got.err"
}

assert_exit 0 ctl n1 --json put --permanent --ttl $TTL perm-key "kept alive"
id=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT")
[ ${#id} = 32 ] || fail "put --json gave no 32-digit value id: $(cat "$OUT")"
assert_exit 0 ctl n1 put --ttl $TTL plain-key "left alone"

assert_exit 0 ctl n1 --json permanent
"$PYTHON" - "$OUT" "$id" <<'PY' || fail "emoctl permanent does not list the value: $(cat "$OUT")"
import json, sys
l = json.load(open(sys.argv[1]))
assert len(l) == 1 and l[0]["id"] == sys.argv[2] and l[0]["name"] == "perm-key", l
assert l[0]["size"] == len("kept alive") and l[0]["ttl_s"] == 3, l
PY

assert_exit 0 ctl n2 --json get perm-key
"$PYTHON" -c 'import json,sys; v = json.load(open(sys.argv[1])); assert v[0]["id"] == sys.argv[2], v' \
    "$OUT" "$id" || fail "get --json on n2 shows another id: $(cat "$OUT")"

sleep $WAIT
get_found n2 perm-key || fail "the permanent value is gone from n2 after $WAIT s (TTL $TTL s): $(cat "$T/got.err")"
assert_eq "kept alive" "$(cat "$T/got")" "permanent value after $WAIT s"
if get_found n2 plain-key; then
	fail "a plain put with TTL $TTL s is still found after $WAIT s: the test cannot tell"
fi

# Cancel: wrong and malformed ids first.
assert_exit 1 ctl n1 cancel perm-key 00000000000000000000000000000000
assert_exit 2 ctl n1 cancel perm-key "not-hex"
assert_exit 0 ctl n1 cancel perm-key "$id"
assert_exit 0 ctl n1 --json permanent
assert_eq "[]" "$(cat "$OUT")" "the list after cancel"
sleep $WAIT
if get_found n2 perm-key; then
	fail "the cancelled value is still found after $WAIT s"
fi

# The list survives a restart, and the restarted node keeps re-putting.
assert_exit 0 ctl n1 --json put --permanent --ttl $TTL perm-key2 "across restarts"
id2=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT")
kill -TERM "$(node_pid n1)"
wait_exit n1 || fail "n1 did not stop"
[ "$(node_rc n1)" = 0 ] || fail "n1 exited with status $(node_rc n1)"
cl_start 1 --bootstrap "$(cl_addr 0)"
grep -q "1 permanent value to keep alive" "$(node_log n1)" ||
    fail "the restarted n1 did not load its permanent value"
assert_exit 0 ctl n1 --json permanent
"$PYTHON" -c 'import json,sys; l = json.load(open(sys.argv[1])); assert [v["id"] for v in l] == [sys.argv[2]], l' \
    "$OUT" "$id2" || fail "the list after a restart: $(cat "$OUT")"
assert_exit 0 ctl n1 status
grep -qE '^permanent +1$' "$OUT" || fail "status does not count the permanent value: $(grep perm "$OUT")"
sleep $WAIT
get_found n2 perm-key2 || fail "the permanent value is gone $WAIT s after n1 restarted"

cluster_stop 0 2
echo "permanent: found after $WAIT s (TTL $TTL s), gone after cancel, kept across a restart"
exit 0
