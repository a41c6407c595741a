# evil.sh — sourced by the tests/hostile/test_evil_*.sh tests: lib.sh and
# cluster.sh of tests/integration/ (real emod processes on 127.0.0.0/8),
# plus helpers to run evilpeer (tests/hostile/evilpeer.c), the malicious
# peer built from the engine's own codec.
#
# Environment: EVILPEER (default build/tests/evilpeer), and lib.sh's.

: "${EVILPEER:=$(pwd)/build/tests/evilpeer}"
EVIL_DIR=$(cd "$(dirname "$0")" && pwd)
. "$EVIL_DIR/../integration/lib.sh"
. "$EVIL_DIR/../integration/cluster.sh"

# With limit_local = yes a node keeps at most 2 nodes of one /24 per bucket:
# each cluster node gets a /24 of its own, 127.0.(10+i).1.
cl_ip() { printf '127.0.%s.1' $((10 + $1)); }

[ -x "$EVILPEER" ] || fail "$EVILPEER is not an executable (make build/tests/evilpeer)"

# evil_run NAME ARGS...: runs evilpeer to its end (bounded by its own
# --seconds, and by timeout here), its output in $T/NAME.out; fails if it
# fails or prints no summary.
evil_run() {
	local name="$1"
	shift
	timeout -k 5 300 "$EVILPEER" "$@" >"$T/$name.out" 2>"$T/$name.err" ||
	    fail "evilpeer $* exited $?: $(it_peek "$T/$name.err")"
	! grep -qE "$IT_SAN_RE" "$T/$name.err" ||
	    fail "sanitizer report from evilpeer: $(it_peek "$T/$name.err" 800)"
	grep -q '^evilpeer mode=' "$T/$name.out" ||
	    fail "evilpeer $* printed no summary: $(it_peek "$T/$name.out")"
	note "$(grep '^evilpeer mode=' "$T/$name.out")"
}

# evil_start NAME ARGS...: evilpeer in the background (killed at exit if
# still running); waits until it says where it listens.
evil_start() {
	local name="$1" n=0
	shift
	"$EVILPEER" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	echo $! >"$T/$name.pid"
	track_pid "$(cat "$T/$name.pid")"
	while ! grep -q '^evilpeer listening' "$T/$name.out" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 200 ] || fail "evilpeer $* did not start: $(it_peek "$T/$name.err")"
		kill -0 "$(cat "$T/$name.pid")" 2>/dev/null ||
		    fail "evilpeer $* exited: $(it_peek "$T/$name.err")"
		sleep 0.05
	done
}

# evil_wait NAME: waits (bounded) for a background evilpeer's summary and
# exit; fails unless it exited 0 without a sanitizer report.
evil_wait() {
	local n=0 rc
	while ! grep -q '^evilpeer mode=' "$T/$1.out" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 2400 ] || fail "evilpeer $1 did not finish within 120 s"
		sleep 0.05
	done
	note "$(grep '^evilpeer mode=' "$T/$1.out")"
	wait "$(cat "$T/$1.pid")"
	rc=$?
	[ $rc = 0 ] && ! grep -qE "$IT_SAN_RE" "$T/$1.err" ||
	    fail "evilpeer $1 exited $rc: $(it_peek "$T/$1.err" 800)"
}

# evil_field NAME FIELD: a number of evilpeer NAME's summary line.
evil_field() {
	sed -n "s/^evilpeer mode=.* $2=\([^ ]*\).*/\1/p" "$T/$1.out"
}
