#!/bin/sh
# test_restart.sh — after SIGTERM and a start on the same data dir, every
# value is back (keys, several values per key, binary data, status counts).
. "$(dirname "$0")/lib.sh"
need_python

start_node a
i=1
while [ $i -le 20 ]; do
	assert_exit 0 ctl a put "key-$i" "value-$i"
	i=$((i + 1))
done
assert_exit 0 ctl a put many one
assert_exit 0 ctl a put many two
assert_exit 0 ctl a put many three
head -c 5000 /dev/urandom >"$T/bin"
assert_exit 0 ctl a put binary - <"$T/bin"
assert_exit 0 ctl a --json status
cp "$OUT" "$T/before.json"
id_before=$(json_get "$T/before.json" node_id)
assert_eq 24 "$(json_get "$T/before.json" values)" "status values before the restart"

stop_node a
start_node a

i=1
while [ $i -le 20 ]; do
	assert_exit 0 ctl a get "key-$i"
	assert_eq "value-$i" "$(cat "$OUT")" "get key-$i after a restart"
	i=$((i + 1))
done
assert_exit 0 ctl a get many
printf 'one\ntwo\nthree\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "values of 'many' after a restart"
assert_exit 0 ctl a get binary
{ cat "$T/bin"; echo; } >"$T/expect"
assert_cmp "$T/expect" "$OUT" "binary value after a restart"

assert_exit 0 ctl a --json status
cp "$OUT" "$T/after.json"
assert_eq 24 "$(json_get "$T/after.json" values)" "status values after the restart"
assert_eq "$(json_get "$T/before.json" bytes)" "$(json_get "$T/after.json" bytes)" "status bytes after the restart"
id_after=$(json_get "$T/after.json" node_id)
if [ "$id_before" != "$id_after" ]; then
	note "node_id changed across the restart ($id_before -> $id_after)"
fi

# A third start still works (the store closed cleanly the second time too).
stop_node a
start_node a
assert_exit 0 ctl a get key-20
assert_eq "value-20" "$(cat "$OUT")" "get key-20 after a second restart"
stop_node a
