#!/bin/sh
# test_roundtrip.sh — put then get on one node, across several keys, and the
# status fields scripts rely on.
. "$(dirname "$0")/lib.sh"

start_node a

assert_exit 0 ctl a put greeting hello
assert_exit 0 ctl a get greeting
assert_eq "hello" "$(cat "$OUT")" "get greeting"

# A value with spaces and a key with odd characters.
assert_exit 0 ctl a put "key with spaces/ü" "two words  and	tab"
assert_exit 0 ctl a get "key with spaces/ü"
assert_eq "two words  and	tab" "$(cat "$OUT")" "get of a key with spaces"

i=1
while [ $i -le 10 ]; do
	assert_exit 0 ctl a put "k$i" "value-$i"
	i=$((i + 1))
done
i=1
while [ $i -le 10 ]; do
	assert_exit 0 ctl a get "k$i"
	assert_eq "value-$i" "$(cat "$OUT")" "get k$i"
	i=$((i + 1))
done

# get prints each value followed by exactly one newline.
assert_exit 0 ctl a get greeting
printf 'hello\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "raw get output"

# status --json: an object with values, bytes and node_id.
need_python
assert_exit 0 ctl a --json status
cp "$OUT" "$T/status.json"
values=$(json_get "$T/status.json" values) || fail "status --json has no values: $(it_peek "$T/status.json")"
bytes=$(json_get "$T/status.json" bytes) || fail "status --json has no bytes"
id=$(json_get "$T/status.json" node_id) || fail "status --json has no node_id"
assert_eq 12 "$values" "status values after 12 puts"
[ "$bytes" -ge 60 ] || fail "status bytes $bytes, expected at least 60"
echo "$id" | grep -qE '^[0-9a-f]{64}$' || fail "node_id '$id' is not 64 hex digits"

# The plain status is human-readable text and exits 0.
assert_exit 0 ctl a status
[ -s "$OUT" ] || fail "status printed nothing"

stop_node a
