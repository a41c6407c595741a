# lib.sh — sourced by every integration test: a private temp dir, real emod
# processes on 127.0.0.1 with their own port, data dir, socket and log, emoctl
# wrappers and assertions.  Only ever signals the PIDs it started itself.
#
# Environment: EMOD, EMOCTL (absolute paths; default build/emod, build/emoctl),
# SANITIZE (non-empty: slower binaries, longer waits), KEEP=1 (keep the temp
# dir), VERBOSE=1 (start emod with -v).
# Exit codes of a test: 0 pass, 1 fail, 77 skip.

set -u

: "${EMOD:=$(pwd)/build/emod}"
: "${EMOCTL:=$(pwd)/build/emoctl}"
: "${SANITIZE:=}"
: "${KEEP:=0}"
: "${VERBOSE:=}"
PYTHON=/usr/bin/python3
IT_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
IT_NAME=$(basename "$0" .sh)

# Sanitized binaries start, run and exit several times slower.
if [ -n "$SANITIZE" ]; then
	IT_SLOW=4
else
	IT_SLOW=1
fi
IT_POLL_COUNT=$((200 * IT_SLOW))	# polls of 50 ms for start and stop
IT_CTL_LIMIT=$((30 * IT_SLOW))		# seconds any one emoctl may take
IT_SAN_RE='AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer'

export EMOD EMOCTL IT_SLOW
# Keep helper imports from leaving __pycache__ in the source tree.
export PYTHONDONTWRITEBYTECODE=1
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

for it_b in "$EMOD" "$EMOCTL"; do
	if [ ! -x "$it_b" ]; then
		echo "FAIL: $it_b is not an executable (run make all)" >&2
		exit 1
	fi
done

# Unix socket paths must fit in sun_path (108 bytes): keep the dir short.
it_tmp=${TMPDIR:-/tmp}
[ ${#it_tmp} -le 40 ] || it_tmp=/tmp
T=$(mktemp -d "$it_tmp/emo-it.XXXXXX") || { echo "FAIL: mktemp -d" >&2; exit 1; }
: >"$T/pids"
OUT="$T/out"
ERR="$T/err"
RC=0

# ---- cleanup -----------------------------------------------------------

# True if PID is still one of our emod processes (guards against PID reuse):
# $EMOD is among its first arguments (a wrapper script runs as "sh $EMOD").
it_is_ours() {
	[ -r "/proc/$1/cmdline" ] || return 1
	{ tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null | head -n 3 |
	    grep -qxF -- "$EMOD"
}

# track_pid PID: a helper process (not emod) started by the test itself,
# to be killed at exit if it is still our child.
track_pid() {
	echo "$1" >>"$T/helper_pids"
}

it_kill_helpers() {
	local pid ppid
	[ -f "$T/helper_pids" ] || return 0
	for pid in $(cat "$T/helper_pids"); do
		[ -r "/proc/$pid/stat" ] || continue
		ppid=$(sed 's/^.*) [A-Za-z] \([0-9]*\) .*$/\1/' "/proc/$pid/stat")
		[ "$ppid" = $$ ] && kill -TERM "$pid" 2>/dev/null
	done
}

# Signals every emod this test started and that is still running.
it_kill_all() {
	local pid n
	it_kill_helpers
	for pid in $(cat "$T/pids"); do
		it_is_ours "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	n=0
	while [ $n -lt "$IT_POLL_COUNT" ]; do
		local alive=0
		for pid in $(cat "$T/pids"); do
			it_is_ours "$pid" && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.05
		n=$((n + 1))
	done
	for pid in $(cat "$T/pids"); do
		it_is_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	# Let the wrapper subshells record the exit status before rm -rf.
	n=0
	while [ $n -lt 40 ]; do
		local pending=0 d
		for d in "$T"/*/; do
			[ -f "$d/pid" ] && [ ! -f "$d/rc" ] && pending=1
		done
		[ $pending = 0 ] && break
		sleep 0.05
		n=$((n + 1))
	done
}

it_cleanup() {
	local rc=$? f
	trap - EXIT INT TERM HUP
	it_kill_all
	if [ "$rc" = 0 ]; then
		for f in "$T"/*/log "$T"/*/log.prev; do
			[ -f "$f" ] || continue
			if grep -qE "$IT_SAN_RE" "$f"; then
				echo "FAIL: sanitizer report in $f:" >&2
				grep -E -A 20 "$IT_SAN_RE" "$f" | head -n 40 >&2
				rc=1
			fi
		done
	fi
	if [ "$KEEP" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap it_cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- reporting ---------------------------------------------------------

# Prints the tail of every node's log.
it_show_logs() {
	local d
	for d in "$T"/*/; do
		[ -f "$d/log" ] || continue
		echo "--- $(basename "$d"): last 30 lines of emod's log ---"
		tail -n 30 "$d/log" | cat -v
	done
}

fail() {
	echo "FAIL: $IT_NAME: $*" >&2
	it_show_logs >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

note() {
	echo "# $*"
}

# Shows the start of a captured file, readable even if binary.
it_peek() {
	head -c "${2:-400}" "$1" 2>/dev/null | cat -v
}

# ---- running commands --------------------------------------------------

# it_run CMD...: runs CMD with stdout in $OUT, stderr in $ERR, status in $RC.
# Stdin is inherited.  A sanitizer report on stderr fails the test.
it_run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
	if grep -qE "$IT_SAN_RE" "$ERR"; then
		cat "$ERR" >&2
		fail "sanitizer report from: $*"
	fi
	return 0
}

# assert_exit CODE CMD...: runs CMD (as it_run) and checks its exit status.
assert_exit() {
	local want="$1"
	shift
	it_run "$@"
	[ "$RC" = "$want" ] || fail "'$*' exited $RC, expected $want
  stdout: $(it_peek "$OUT")
  stderr: $(it_peek "$ERR")"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

# assert_grep FILE ERE [WHAT]: FILE must contain a line matching ERE.
assert_grep() {
	grep -qE -- "$2" "$1" || fail "${3:-output} does not match /$2/:
$(it_peek "$1" 800)"
}

# assert_cmp EXPECTED_FILE ACTUAL_FILE [WHAT]
assert_cmp() {
	cmp "$1" "$2" >/dev/null 2>&1 || fail "${3:-content} differs: expected \
$(wc -c <"$1") bytes, got $(wc -c <"$2") bytes ($(cmp "$1" "$2" 2>&1 | head -n 1))"
}

now_ms() {
	date +%s%3N
}

need_python() {
	[ -x "$PYTHON" ] || skip "$PYTHON is not installed"
}

# json_get FILE KEY: prints one top-level member of a JSON object.
json_get() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

# ---- nodes -------------------------------------------------------------
# Each node NAME lives in $T/NAME/: conf, data/, log (current run), log.prev
# (earlier runs), port, pid and rc (written by a wrapper when emod exits).

node_dir() { printf '%s/%s' "$T" "$1"; }
node_sock() { printf '%s/%s.sock' "$T" "$1"; }
node_data() { printf '%s/%s/data' "$T" "$1"; }
node_log() { printf '%s/%s/log' "$T" "$1"; }
node_port() { cat "$T/$1/port"; }
node_pid() { cat "$T/$1/pid" 2>/dev/null; }

# ctl NAME ARGS...: emoctl against NAME's socket, bounded in time.
ctl() {
	local name="$1"
	shift
	timeout -k 5 "$IT_CTL_LIMIT" "$EMOCTL" --socket "$(node_sock "$name")" \
	    --timeout $((10 * IT_SLOW)) "$@"
}

it_rand16() {
	od -An -N2 -tu2 /dev/urandom | tr -d ' \n'
}

# True if anything (local or remote end) uses UDP port $1.
it_port_busy() {
	local h
	h=$(printf '%04X' "$1")
	grep -q ":$h " /proc/net/udp /proc/net/udp6 2>/dev/null
}

# Prints a free-looking UDP port in 20000-29999, varied by PID and chance.
it_pick_port() {
	local n=0 p
	while [ $n -lt 50 ]; do
		p=$((20000 + ($(it_rand16) + $$ * 7) % 10000))
		if ! it_port_busy "$p"; then
			echo "$p"
			return 0
		fi
		n=$((n + 1))
	done
	return 1
}

# spawn NAME ARGS...: starts "$EMOD" ARGS in the background with stdout and
# stderr in NAME's log; no arguments are added.  The wrapper subshell records
# emod's PID and, when it exits, its status in $T/NAME/rc.
spawn() {
	local name="$1" d n
	shift
	d=$(node_dir "$name")
	mkdir -p "$d"
	rm -f "$d/pid" "$d/rc"
	[ -f "$d/log" ] && cat "$d/log" >>"$d/log.prev"
	: >"$d/log"
	(
		trap - EXIT INT TERM HUP
		"$EMOD" "$@" </dev/null >>"$d/log" 2>&1 &
		echo $! >"$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"
		wait $!
		echo $? >"$d/rc.tmp" && mv "$d/rc.tmp" "$d/rc"
	) &
	n=0
	while [ ! -s "$d/pid" ] && [ $n -lt 250 ]; do
		sleep 0.02
		n=$((n + 1))
	done
	[ -s "$d/pid" ] || fail "could not start emod for $name"
	cat "$d/pid" >>"$T/pids"
}

# True once NAME's emod has exited (its status is then in $T/NAME/rc).
node_exited() {
	[ -f "$(node_dir "$1")/rc" ]
}

node_rc() {
	cat "$(node_dir "$1")/rc"
}

# wait_exit NAME [POLLS]: waits (POLLS x 50 ms) for NAME's emod to exit.
wait_exit() {
	local n=0 max="${2:-$IT_POLL_COUNT}"
	while [ $n -lt "$max" ]; do
		node_exited "$1" && return 0
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

# wait_ready NAME: waits until `emoctl status` answers; 1 if emod exited or
# the wait ran out.
wait_ready() {
	local n=0 sock
	sock=$(node_sock "$1")
	while [ $n -lt "$IT_POLL_COUNT" ]; do
		node_exited "$1" && return 1
		if [ -S "$sock" ] && ctl "$1" status >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

# start_node NAME [EMOD ARGS...]: starts emod with NAME's own config file,
# port, data dir and socket (extra args come last) and waits until it
# answers.  A restarted node keeps its data dir and, if still free, its port.
start_node() {
	local name="$1" d port try=0
	shift
	d=$(node_dir "$name")
	mkdir -p "$d"
	[ -f "$d/conf" ] || echo "# $IT_NAME: empty on purpose" >"$d/conf"
	while :; do
		port=""
		if [ -f "$d/port" ]; then
			port=$(cat "$d/port")
			it_port_busy "$port" && port=""
		fi
		[ -n "$port" ] || port=$(it_pick_port) || fail "no free UDP port found"
		echo "$port" >"$d/port"
		spawn "$name" --config "$d/conf" --listen "127.0.0.1:$port" \
		    --data-dir "$d/data" --socket "$(node_sock "$name")" \
		    ${VERBOSE:+-v} "$@"
		wait_ready "$name" && return 0
		if node_exited "$name" && [ $try -lt 5 ] &&
		    grep -qiE 'address (already )?in use|eaddrinuse' "$d/log"; then
			note "port $port was taken, retrying with another"
			rm -f "$d/port"
			try=$((try + 1))
			continue
		fi
		if node_exited "$name"; then
			fail "node $name exited with status $(node_rc "$name") before it was ready"
		fi
		fail "node $name did not answer 'emoctl status' within $((IT_POLL_COUNT / 20)) s"
	done
}

# it_check_log NAME: fails on a sanitizer report in NAME's current log.
it_check_log() {
	local log
	log=$(node_log "$1")
	if grep -qE "$IT_SAN_RE" "$log"; then
		grep -E -A 30 "$IT_SAN_RE" "$log" | head -n 60 >&2
		fail "sanitizer report in the log of node $1"
	fi
}

# stop_node NAME [SIGNAL]: SIGTERM (or SIGNAL), bounded wait, then demands
# exit status 0, no sanitizer report and the control socket removed.
stop_node() {
	local name="$1" sig="${2:-TERM}" pid rc
	pid=$(node_pid "$name")
	[ -n "$pid" ] || fail "stop_node: $name was never started"
	node_exited "$name" && fail "node $name had already exited with status $(node_rc "$name")"
	kill -"$sig" "$pid" || fail "kill -$sig $pid failed"
	if ! wait_exit "$name"; then
		kill -KILL "$pid" 2>/dev/null
		fail "node $name did not exit within $((IT_POLL_COUNT / 20)) s of SIG$sig"
	fi
	rc=$(node_rc "$name")
	it_check_log "$name"
	[ "$rc" = 0 ] || fail "node $name exited with status $rc after SIG$sig, expected 0"
	[ ! -e "$(node_sock "$name")" ] ||
	    fail "node $name left its control socket behind after SIG$sig"
}

# kill9_node NAME: SIGKILL and a bounded wait for the process to be gone.
kill9_node() {
	local pid
	pid=$(node_pid "$1")
	[ -n "$pid" ] || fail "kill9_node: $1 was never started"
	kill -KILL "$pid" 2>/dev/null
	wait_exit "$1" || fail "node $1 still there after SIGKILL"
	it_check_log "$1"
}

# node_alive NAME: fails unless NAME still runs and answers status.
node_alive() {
	node_exited "$1" && fail "node $1 died (status $(node_rc "$1"))"
	it_run ctl "$1" status
	[ "$RC" = 0 ] || fail "node $1 no longer answers status (emoctl exit $RC):
  $(it_peek "$ERR")"
}

# expect_refusal NAME ARGS...: runs emod ARGS (all of them given by the
# caller) and demands that it exits non-zero within the poll bound.  The
# output is left in NAME's log.  Kills it if it keeps running.
expect_refusal() {
	local name="$1"
	shift
	spawn "$name" "$@"
	if ! wait_exit "$name"; then
		kill -TERM "$(node_pid "$name")" 2>/dev/null
		wait_exit "$name" 20 || kill -KILL "$(node_pid "$name")" 2>/dev/null
		fail "emod $* kept running; it should have refused to start"
	fi
	it_check_log "$name"
	[ "$(node_rc "$name")" != 0 ] || fail "emod $* exited 0; it should have refused to start"
}
