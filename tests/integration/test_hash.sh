#!/bin/sh
# test_hash.sh — emoctl hash gives legacy Keccak-256 known answers, and
# --hex-key addresses the same record as the name.
. "$(dirname "$0")/lib.sh"

start_node a

assert_exit 0 ctl a hash ""
assert_eq c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470 "$(cat "$OUT")" 'hash ""'
assert_exit 0 ctl a hash abc
assert_eq 4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45 "$(cat "$OUT")" 'hash abc'

# hash needs no daemon.
it_run timeout 10 "$EMOCTL" --socket "$T/nothing-here.sock" hash abc
if [ "$RC" != 0 ]; then
	note "emoctl hash without a daemon exited $RC (hash is not computed locally)"
fi

assert_exit 0 ctl a hash myname
h=$(cat "$OUT")
echo "$h" | grep -qE '^[0-9a-f]{64}$' || fail "hash myname: '$h' is not 64 hex digits"

assert_exit 0 ctl a put myname by-name
assert_exit 0 ctl a -x get "$h"
assert_eq "by-name" "$(cat "$OUT")" "get by hex key of a value put by name"
assert_exit 0 ctl a --hex-key put "$h" by-hex
assert_exit 0 ctl a get myname
printf 'by-name\nby-hex\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "get by name after a put by hex key"

# Upper-case hex is the same key; malformed hex keys are invalid input.
uh=$(echo "$h" | tr a-f A-F)
it_run ctl a -x get "$uh"
if [ "$RC" = 0 ]; then
	assert_cmp "$T/expect" "$OUT" "get by upper-case hex key"
else
	assert_eq 2 "$RC" "get by upper-case hex key (0 or 2)"
fi
assert_exit 2 ctl a -x get abc
assert_exit 2 ctl a -x get "${h}00"
assert_exit 2 ctl a -x get "$(echo "$h" | cut -c 2-)z"
assert_exit 2 ctl a -x put zz value
stop_node a
