#!/bin/sh
# Runs each test binary of one tier, shows its output, and ends with the
# plain "N passed, N failed" line.  Usage: run-tier.sh TIER BINARY...
tier=$1; shift
pass=0; fail=0; failed=""
for t in "$@"; do
	name=${t##*/}
	if timeout 600 "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $name"
	fi
done
[ -z "$failed" ] || echo "$tier: failed:$failed"
echo "$tier: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
