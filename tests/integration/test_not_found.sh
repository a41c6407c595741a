#!/bin/sh
# test_not_found.sh — a key never stored: exit 1, nothing on stdout, and
# quickly (a lone node must not wait for a network timeout).
. "$(dirname "$0")/lib.sh"

start_node a

t0=$(now_ms)
assert_exit 1 ctl a get never-stored
t1=$(now_ms)
[ ! -s "$OUT" ] || fail "get of a missing key printed: $(it_peek "$OUT")"
ms=$((t1 - t0))
limit=$((2000 * IT_SLOW))
[ $ms -le $limit ] || fail "get of a missing key took $ms ms (limit $limit ms)"

# Also by hex key, and after other keys exist.
assert_exit 0 ctl a put present v
assert_exit 1 ctl a -x get 0000000000000000000000000000000000000000000000000000000000000000
assert_exit 1 ctl a get Present
assert_exit 0 ctl a get present
stop_node a
