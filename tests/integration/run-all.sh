#!/bin/sh
# run-all.sh — runs every test_*.sh and test_*.py of a tier in name order,
# each under a time limit, and prints PASS/FAIL/SKIP per test and a final
# "N passed, N failed[, N skipped]" line.  Exits 1 if any test failed.
# The integration tier's runner, and the hostile tier's through
# tests/hostile/run-all.sh, which sets RUN_DIR (the tier's directory) and
# TIER (a name for the summary line, which then also gives the time).
#
# Usage (from the repo root, as `make integration` does):
#   EMOD=/abs/emod EMOCTL=/abs/emoctl [SANITIZE=...] sh tests/integration/run-all.sh [NAME...]
# NAME limits the run to test_NAME.sh (or .py).  TEST_TIMEOUT overrides
# 300 s; KEEP=1 keeps the logs.

set -u

dir=${RUN_DIR:-$(cd "$(dirname "$0")" && pwd)}
: "${EMOD:=$(pwd)/build/emod}"
: "${EMOCTL:=$(pwd)/build/emoctl}"
: "${SANITIZE:=}"
: "${TEST_TIMEOUT:=300}"
export EMOD EMOCTL SANITIZE

for b in "$EMOD" "$EMOCTL"; do
	case "$b" in
	/*) ;;
	*) echo "run-all: $b must be an absolute path" >&2; exit 1 ;;
	esac
	if [ ! -x "$b" ]; then
		echo "run-all: $b is missing; run make all first" >&2
		exit 1
	fi
done

logs=$(mktemp -d "${TMPDIR:-/tmp}/emo-${TIER:-it}-logs.XXXXXX") || exit 1
child=""
interrupted=0
on_signal() {
	interrupted=1
	# timeout(1) passes the signal on to the test's process group.
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null
}
trap on_signal INT TERM HUP

if [ $# -gt 0 ]; then
	tests=""
	for n in "$@"; do
		n=${n#test_}
		n=${n%.sh}
		n=${n%.py}
		if [ -f "$dir/test_$n.py" ]; then
			tests="$tests $dir/test_$n.py"
		else
			tests="$tests $dir/test_$n.sh"
		fi
	done
else
	tests=$(ls "$dir"/test_*.sh "$dir"/test_*.py 2>/dev/null | LC_ALL=C sort)
fi

pass=0
failed=0
skipped=0
start_all=$(date +%s)
for t in $tests; do
	name=$(basename "$t")
	name=${name#test_}
	name=${name%.sh}
	name=${name%.py}
	log="$logs/$name.log"
	if [ ! -f "$t" ]; then
		echo "FAIL $name: no such test $t"
		failed=$((failed + 1))
		continue
	fi
	# Python by name; an explicit bash shebang; everything else sh.
	case "$t" in
	*.py) shell=/usr/bin/python3 ;;
	*) shell=sh
	   head -n 1 "$t" | grep -q '^#! */bin/bash' && shell=bash ;;
	esac
	start=$(date +%s)
	timeout -k 10 "$TEST_TIMEOUT" "$shell" "$t" >"$log" 2>&1 </dev/null &
	child=$!
	wait "$child"
	rc=$?
	# A signal interrupts wait; collect the real status.
	if [ $interrupted = 1 ]; then
		wait "$child" 2>/dev/null
		child=""
		echo "run-all: interrupted during $name" >&2
		break
	fi
	child=""
	secs=$(($(date +%s) - start))
	if [ $rc = 0 ] && grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log"; then
		echo "# sanitizer report in the output of $name" >>"$log"
		rc=1
	fi
	case $rc in
	0)
		echo "PASS $name (${secs}s)"
		pass=$((pass + 1))
		;;
	77)
		reason=$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)
		echo "SKIP $name: ${reason:-no reason given}"
		skipped=$((skipped + 1))
		;;
	*)
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			why="timed out after ${TEST_TIMEOUT}s"
		else
			why="exit $rc"
		fi
		echo "FAIL $name ($why, ${secs}s)"
		tail -n 40 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
		;;
	esac
done

if [ "${KEEP:-0}" = 1 ]; then
	echo "run-all: logs kept in $logs" >&2
else
	rm -rf "$logs"
fi

summary="$pass passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
[ -n "${TIER:-}" ] &&
    summary="$TIER: $summary ($(($(date +%s) - start_all)) s)"
echo "$summary"
[ $failed = 0 ] && [ $interrupted = 0 ]
