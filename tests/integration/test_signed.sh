#!/bin/sh
# test_signed.sh — signed and immutable values on 6 real nodes: keygen and
# the key-file errors (exit 2, a precise message); a signed put through one
# node, a verified get through another; a newer seq replaces the old at
# every holder, an older one is refused (ERR_REFUSED) and counted; an
# unsigned value under the signed key is refused; an immutable put under
# Keccak-256(VALUE), its get, and a plain value under that key refused; a
# node that joins later gets both by hand-over with their attributes.
. "$(dirname "$0")/cluster.sh"

need_python
N=5
cluster_start 0 $N
cluster_wait_peers 3 0 $N

# ---- key files
K="$T/alice.key"
assert_exit 0 ctl n1 keygen "$K"
PUB=$(cat "$OUT")
echo "$PUB" | grep -qE '^[0-9a-f]{64}$' || fail "keygen printed '$PUB'"
[ "$(stat -c %a "$K")" = 600 ] || fail "key file mode $(stat -c %a "$K")"
[ "$(stat -c %s "$K")" = 64 ] || fail "key file size $(stat -c %s "$K")"
assert_exit 2 ctl n1 keygen "$K"
assert_grep "$ERR" "exists" "keygen over an existing file"
assert_exit 2 ctl n1 put --sign "$T/nokey" name v
assert_grep "$ERR" "nokey" "missing key file"
cp "$K" "$T/open.key" && chmod 644 "$T/open.key"
assert_exit 2 ctl n1 put --sign "$T/open.key" name v
assert_grep "$ERR" "0644" "key file of mode 0644"
head -c 12 "$K" >"$T/short.key" && chmod 600 "$T/short.key"
assert_exit 2 ctl n1 put --sign "$T/short.key" name v
assert_grep "$ERR" "12 bytes" "key file of 12 bytes"
assert_exit 2 ctl n1 put --sign "$K" --permanent name v
assert_grep "$ERR" "permanent" "signed --permanent"

# ---- signed put on n1, verified get on n4
assert_exit 0 ctl n1 --json put --sign "$K" --seq 5 profile "version five"
KEY=$(json_get "$OUT" key)
assert_exit 0 ctl n4 get --signed-by "$PUB" profile
assert_eq "version five" "$(cat "$OUT")" "signed get through n4"
assert_exit 0 ctl n4 --json get --signed-by "$PUB" profile
"$PYTHON" - "$OUT" "$PUB" <<'PY' || fail "get --json: $(it_peek "$OUT")"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1 and v[0]["seq"] == 5 and v[0]["signer"] == sys.argv[2], v
PY
# The same key through plain get: the bytes are there (by hex key).
assert_exit 0 ctl n3 -x get "$KEY"
assert_eq "version five" "$(cat "$OUT")" "plain get of the signed key"

# VALUE - from stdin; the same seq 5 signed again (at another creation
# time, so another value) is refused: only a republish of the very same
# value may share its seq.
printf 'version five' | ctl n2 put --sign "$K" --seq 5 profile - >"$OUT" 2>"$ERR"
[ $? = 4 ] || fail "a second value of seq 5 was not refused: $(it_peek "$OUT") $(it_peek "$ERR")"
assert_grep "$ERR" "same seq" "a second value of seq 5"

# ---- a newer seq replaces the old at every holder
assert_exit 0 ctl n2 put --sign "$K" --seq 6 profile "version six"
i=0
while [ $i -le $N ]; do
	assert_exit 0 ctl "$(cl_name $i)" -x get "$KEY"
	grep -q "version five" "$OUT" &&
	    fail "n$i still returns seq 5 after seq 6: $(it_peek "$OUT")"
	assert_eq "version six" "$(cat "$OUT")" "n$i after seq 6"
	i=$((i + 1))
done
# Each holder's own store: one value (seq 6 replaced seq 5, not beside it).
i=0
while [ $i -le $N ]; do
	v=$(cl_values $i)
	[ "$v" = 1 ] || fail "n$i holds ${v:-?} values after seq 6, expected 1"
	i=$((i + 1))
done
# An older seq is refused, and counted at the storing nodes.
assert_exit 4 ctl n3 put --sign "$K" --seq 4 profile "version four"
assert_grep "$ERR" "ERR_REFUSED|higher seq" "older seq"
old=0
i=0
while [ $i -le $N ]; do
	c=$(cl_counters $i | sed -n 's/^value_seq_old //p')
	old=$((old + ${c:-0}))
	i=$((i + 1))
done
[ "$old" -ge 1 ] || fail "no node counted value_seq_old"
# An unsigned value under the signed key is refused.
assert_exit 4 ctl n0 -x put "$KEY" "junk"
assert_grep "$ERR" "ERR_REFUSED|signed" "unsigned under a signed key"
assert_exit 0 ctl n5 get --signed-by "$PUB" profile
assert_eq "version six" "$(cat "$OUT")" "signed get after the refusals"
# Someone else's key: nothing signed by it.
assert_exit 0 ctl n1 keygen "$T/bob.key"
BOB=$(cat "$OUT")
assert_exit 1 ctl n4 get --signed-by "$BOB" profile

# ---- immutable
assert_exit 0 ctl n2 --json put --immutable "carved in stone"
IKEY=$(json_get "$OUT" key)
want=$("$EMOCTL" hash "carved in stone")
assert_eq "$want" "$IKEY" "immutable key = Keccak-256(value)"
assert_exit 0 ctl n5 -x --json get "$IKEY"
"$PYTHON" - "$OUT" <<'PY' || fail "immutable get: $(it_peek "$OUT")"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1 and v[0]["value"] == "carved in stone" and v[0]["immutable"], v
PY
assert_exit 4 ctl n3 -x put "$IKEY" "graffiti"
assert_grep "$ERR" "ERR_REFUSED|immutable" "plain value under an immutable key"

# ---- hand-over keeps the attributes: a node that joins now receives
# both values; alone afterwards (its own store only), its signed get
# still verifies seq 6 and its immutable value is still flagged.
NEW=$((N + 1))
cl_start $NEW --bootstrap "$(cl_addr 0)"
end=$(($(date +%s) + 60 * IT_SLOW))
while :; do
	have=$(cl_values $NEW)
	[ "${have:-0}" -ge 2 ] && break
	[ "$(date +%s)" -lt "$end" ] ||
	    fail "n$NEW holds ${have:-?} values after the hand-over, expected 2"
	sleep 0.25
done
cluster_stop 0 $NEW
cl_conf $NEW "rpc_timeout_ms = 100" "rpc_retries = 0"
cl_start $NEW
assert_exit 0 ctl "n$NEW" --json get --signed-by "$PUB" profile
"$PYTHON" - "$OUT" "$PUB" <<'PY' || fail "n$NEW alone: $(it_peek "$OUT") $(it_peek "$ERR")"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1 and v[0]["seq"] == 6 and v[0]["value"] == "version six", v
PY
[ -s "$ERR" ] && fail "n$NEW alone: $(it_peek "$ERR")"
assert_exit 0 ctl "n$NEW" -x --json get "$IKEY"
"$PYTHON" - "$OUT" <<'PY' || fail "n$NEW alone, immutable: $(it_peek "$OUT")"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1 and v[0].get("immutable"), v
PY
stop_node "n$NEW"
