#!/bin/sh
# test_memory.sh — --storage memory serves puts and gets like leveldb, and
# forgets everything on restart.
. "$(dirname "$0")/lib.sh"
need_python

start_node m --storage memory
assert_exit 0 ctl m put mkey one
assert_exit 0 ctl m put mkey two
assert_exit 0 ctl m put mkey two
assert_exit 0 ctl m get mkey
printf 'one\ntwo\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "memory store: values under one key"
assert_exit 1 ctl m get missing
assert_exit 0 ctl m --json status
cp "$OUT" "$T/status.json"
assert_eq 2 "$(json_get "$T/status.json" values)" "memory store: status values"
storage=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("storage", ""))' "$T/status.json")
if [ -n "$storage" ]; then
	assert_eq memory "$storage" "status storage"
fi

# TTL expiry in memory too.
assert_exit 0 ctl m put brief x --ttl 1
n=0
while [ $n -lt 50 ]; do
	it_run ctl m get brief
	[ "$RC" = 1 ] && break
	sleep 0.1
	n=$((n + 1))
done
assert_eq 1 "$RC" "memory store: get of a --ttl 1 value after 5 s"

stop_node m
start_node m --storage memory
assert_exit 1 ctl m get mkey
stop_node m
