#!/bin/sh
# test_binary.sh — a value read from stdin is binary-safe: NUL bytes, all
# 256 byte values and a trailing newline survive put and get.
. "$(dirname "$0")/lib.sh"

start_node a

{
	printf 'start\000\000middle\000'
	head -c 3000 /dev/urandom
	printf '\r\n\377\000end\n'
} >"$T/value"
assert_exit 0 ctl a put bin - <"$T/value"
assert_exit 0 ctl a get bin
# emoctl appends exactly one "\n" to each value.
{ cat "$T/value"; printf '\n'; } >"$T/expect"
assert_cmp "$T/expect" "$OUT" "binary value"

# A value that is a single NUL byte, and one that is a single newline.
printf '\000' >"$T/nul"
assert_exit 0 ctl a put nul - <"$T/nul"
assert_exit 0 ctl a get nul
printf '\000\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "one NUL byte"

printf '\n' >"$T/nl"
assert_exit 0 ctl a put nl - <"$T/nl"
assert_exit 0 ctl a get nl
printf '\n\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "one newline"

# The binary value survives a restart too.
stop_node a
start_node a
assert_exit 0 ctl a get bin
{ cat "$T/value"; printf '\n'; } >"$T/expect"
assert_cmp "$T/expect" "$OUT" "binary value after a restart"
stop_node a
