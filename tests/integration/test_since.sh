#!/bin/sh
# test_since.sh — get --since T keeps only values created at or after T
# (Unix milliseconds).
. "$(dirname "$0")/lib.sh"

start_node a

assert_exit 0 ctl a put since old-1
assert_exit 0 ctl a put since old-2
sleep 0.05
t=$(now_ms)
sleep 0.05
assert_exit 0 ctl a put since new-1
assert_exit 0 ctl a put since new-2

assert_exit 0 ctl a get since --since "$t"
printf 'new-1\nnew-2\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "get --since $t (got: $(tr '\n' ' ' <"$OUT"))"

assert_exit 0 ctl a get since --since 0
printf 'old-1\nold-2\nnew-1\nnew-2\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "get --since 0"

# Nothing created after now + 1 h: not found.
future=$(($(now_ms) + 3600000))
assert_exit 1 ctl a get since --since "$future"
[ ! -s "$OUT" ] || fail "get --since future printed: $(it_peek "$OUT")"

# A value put after the cut shows up alone.
t2=$(now_ms)
sleep 0.05
assert_exit 0 ctl a put since newest
assert_exit 0 ctl a get since --since "$t2"
assert_eq "newest" "$(cat "$OUT")" "get --since $t2"

assert_exit 2 ctl a get since --since notanumber
stop_node a
