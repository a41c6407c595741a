#!/bin/sh
# test_heap_trim.sh — memory freed after a load goes back to the system
# (KNOWN-DEFECTS 5): 24 MiB of values that expire leave the node's
# resident size well under its peak once the expiry sweep has run, and
# status counts the trim.
. "$(dirname "$0")/lib.sh"
need_python
# AddressSanitizer has its own allocator: malloc_trim has nothing to give.
case "${SANITIZE:-}" in *address*) skip "malloc_trim under AddressSanitizer" ;; esac

mkdir -p "$T/h"
printf 'expire_interval = 1\n' >"$T/h/conf"
start_node h --storage memory
pid=$(node_pid h)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
before=$(rss)
for k in load1 load2 load3; do	# 1,000 values each: under a key's cap
	it_run "$PYTHON" "$(dirname "$0")/ctlraw.py" "$(node_sock h)" \
	    putmany $k 1000 8192 15
	assert_eq 0 "$RC" "1,000 puts of 8 KiB under $k (stderr: $(it_peek "$ERR"))"
done
peak=$(rss)
[ "$peak" -gt $((before + 20000)) ] ||
	fail "resident size grew from $before KiB to only $peak KiB with 24 MiB stored"

# Every value expires 15 s after its put (long enough that the first load
# is still held when the last is in, on a loaded machine); the sweep runs
# each second.
n=0 values=-1 trims=0
while [ $n -lt $((100 * IT_SLOW)) ]; do
	assert_exit 0 ctl h --json status
	cp "$OUT" "$T/status.json"
	values=$(json_get "$T/status.json" values)
	trims=$("$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["counters"]["heap_trims"])' "$T/status.json")
	[ "$values" = 0 ] && [ "$trims" -ge 1 ] && break
	sleep 0.5
	n=$((n + 1))
done
assert_eq 0 "$values" "values left after their TTL"
[ "$trims" -ge 1 ] || fail "heap_trims is $trims after the load expired"
after=$(rss)
note "resident: $before KiB idle, $peak KiB loaded, $after KiB after expiry"
[ "$after" -lt $((before + (peak - before) / 4)) ] ||
	fail "resident size $after KiB after expiry: peak $peak KiB, idle $before KiB"
stop_node h
