#!/bin/sh
# test_value_size.sh — 32768 bytes is the largest value: it is stored and
# read back byte for byte; 32769 bytes is refused (exit 2) and not stored.
. "$(dirname "$0")/lib.sh"

start_node a

# Bytes that are neither NUL nor newline, so argv can carry them too.
head -c 40000 /dev/urandom | tr '\000\n' 'xy' >"$T/pool"
head -c 32768 "$T/pool" >"$T/max"
head -c 32769 "$T/pool" >"$T/over"

# Too large through stdin.
assert_exit 2 ctl a put big-stdin - <"$T/over"
assert_exit 1 ctl a get big-stdin

# Too large through argv.
over=$(cat "$T/over")
[ ${#over} -ge 32769 ] || note "shell measured ${#over} characters"
assert_exit 2 ctl a put big-argv "$over"
assert_exit 1 ctl a get big-argv

# Much too large (over the control frame limit) through stdin.
head -c 70000 /dev/zero | tr '\000' 'z' >"$T/huge"
assert_exit 2 ctl a put huge - <"$T/huge"
assert_exit 1 ctl a get huge
node_alive a

# Exactly the limit through stdin, then through argv.
assert_exit 0 ctl a put max-stdin - <"$T/max"
assert_exit 0 ctl a get max-stdin
cat "$T/max" >"$T/expect"
echo >>"$T/expect"
assert_cmp "$T/expect" "$OUT" "32768-byte value put through stdin"

max=$(cat "$T/max")
assert_exit 0 ctl a put max-argv "$max"
assert_exit 0 ctl a get max-argv
assert_cmp "$T/expect" "$OUT" "32768-byte value put through argv"

# Two maximal values under one key (a 16-bit length would overflow).
head -c 32768 /dev/zero | tr '\000' 'q' >"$T/max2"
assert_exit 0 ctl a put max-stdin - <"$T/max2"
assert_exit 0 ctl a get max-stdin
{ cat "$T/max"; echo; cat "$T/max2"; echo; } >"$T/expect2"
assert_cmp "$T/expect2" "$OUT" "two 32768-byte values under one key"

# An empty value is invalid input.
assert_exit 2 ctl a put empty ""
assert_exit 2 ctl a put empty-stdin - </dev/null
assert_exit 1 ctl a get empty

# Status counts the refused values nowhere.
need_python
assert_exit 0 ctl a --json status
cp "$OUT" "$T/status.json"
assert_eq 3 "$(json_get "$T/status.json" values)" "status values"
stop_node a
