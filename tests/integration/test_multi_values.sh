#!/bin/sh
# test_multi_values.sh — several values under one key come back oldest
# first, in put order (a node gives its puts of one key creation times at
# least 1 ms apart, docs/STORAGE.md; test_python_client.sh puts twenty in
# one write).
. "$(dirname "$0")/lib.sh"

start_node a

: >"$T/expect"
i=1
while [ $i -le 10 ]; do
	assert_exit 0 ctl a put multi "value-$i"
	echo "value-$i" >>"$T/expect"
	i=$((i + 1))
done
assert_exit 0 ctl a get multi
assert_cmp "$T/expect" "$OUT" "values under one key (expected value-1..value-10 in order, got: $(tr '\n' ' ' <"$OUT"))"

# Values of other keys do not leak in.
assert_exit 0 ctl a put other x
assert_exit 0 ctl a get multi
assert_cmp "$T/expect" "$OUT" "values under one key after a put to another key"

# Order survives a restart.
stop_node a
start_node a
assert_exit 0 ctl a get multi
assert_cmp "$T/expect" "$OUT" "values under one key after a restart (got: $(tr '\n' ' ' <"$OUT"))"
stop_node a
