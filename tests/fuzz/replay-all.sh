#!/bin/sh
# Replays each fuzz target's saved corpus (tests/fuzz/corpus/NAME/) through
# its plain replay driver.  Usage: replay-all.sh BUILD_TESTS_DIR
dir=$1
pass=0; fail=0
for f in tests/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	name=${f##*/fuzz_}; name=${name%.c}
	printf 'fuzz-replay %s: ' "$name"
	if "$dir/replay_$name" "tests/fuzz/corpus/$name"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "fuzz-replay $name FAILED"
	fi
done
echo "fuzz-replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
