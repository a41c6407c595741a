#!/bin/sh
# test_dedup.sh — the same value put twice under one key is stored once;
# the same value under two keys is two records.
. "$(dirname "$0")/lib.sh"
need_python

start_node a

assert_exit 0 ctl a put dup same
assert_exit 0 ctl a put dup same
assert_exit 0 ctl a --json status
cp "$OUT" "$T/s1.json"
assert_eq 1 "$(json_get "$T/s1.json" values)" "status values after one value put twice"
b1=$(json_get "$T/s1.json" bytes)

assert_exit 0 ctl a get dup
assert_eq "same" "$(cat "$OUT")" "get of a value put twice"

# Through stdin as well.
printf 'same' >"$T/same"
assert_exit 0 ctl a put dup - <"$T/same"
assert_exit 0 ctl a --json status
cp "$OUT" "$T/s2.json"
assert_eq 1 "$(json_get "$T/s2.json" values)" "status values after a third put via stdin"
assert_eq "$b1" "$(json_get "$T/s2.json" bytes)" "status bytes after a duplicate put"

# Different content is a second value; the same content elsewhere another.
assert_exit 0 ctl a put dup "same "
assert_exit 0 ctl a put dup2 same
assert_exit 0 ctl a --json status
cp "$OUT" "$T/s3.json"
assert_eq 3 "$(json_get "$T/s3.json" values)" "status values"
assert_exit 0 ctl a get dup
[ "$(wc -l <"$OUT")" -eq 2 ] || fail "get dup: expected 2 values, got: $(it_peek "$OUT")"
stop_node a
