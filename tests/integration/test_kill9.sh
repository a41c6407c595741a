#!/bin/sh
# test_kill9.sh — every acknowledged put survives kill -9; the next start
# clears the stale socket and serves all 50 values.
. "$(dirname "$0")/lib.sh"
need_python

N=50
start_node a
i=1
while [ $i -le $N ]; do
	assert_exit 0 ctl a put "crash-$i" "payload-$i"
	i=$((i + 1))
done
kill9_node a
[ -S "$(node_sock a)" ] || note "the socket file did not survive kill -9"

start_node a
i=1
while [ $i -le $N ]; do
	assert_exit 0 ctl a get "crash-$i"
	assert_eq "payload-$i" "$(cat "$OUT")" "get crash-$i after kill -9"
	i=$((i + 1))
done
assert_exit 0 ctl a --json status
cp "$OUT" "$T/status.json"
assert_eq $N "$(json_get "$T/status.json" values)" "status values after kill -9"

# Writes after the crash recovery persist as usual.
assert_exit 0 ctl a put after-crash yes
kill9_node a
start_node a
assert_exit 0 ctl a get after-crash
assert_eq yes "$(cat "$OUT")" "get after a second kill -9"
assert_exit 0 ctl a get crash-1
stop_node a
