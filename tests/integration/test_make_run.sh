#!/bin/sh
# test_make_run.sh — `make run` starts emod in a sandbox under build/run/
# (its own data directory and socket, a free UDP port on 127.0.0.1), and
# the README's emoctl lines, taken from the README and run verbatim, work
# against it.  `make run ARGS=...` passes options to emod.  The tree is a
# scratch copy of symlinks so that build/run/ is the test's own.  Under
# SANITIZE (no ./build/emoctl in a clone built only that way), the README's
# ./build/emoctl is the sanitizer build's, linked into the scratch tree.
. "$(dirname "$0")/lib.sh"

repo=$(cd "$IT_LIB_DIR/../.." && pwd)
[ -f "$repo/Makefile" ] && [ -f "$repo/README" ] || skip "no source tree at $repo"
command -v make >/dev/null 2>&1 || skip "make is not installed"
ctl_link=
if [ ! -x "$repo/build/emoctl" ]; then
	[ -n "${SANITIZE:-}" ] && [ -x "$EMOCTL" ] ||
	    skip "the README's ./build/emoctl is not built"
	ctl_link=$EMOCTL
fi
[ ${#T} -le 40 ] || skip "temp dir too long for a socket path under it"

# $T/src mirrors the tree; $T/src/build mirrors build/ but for run/.
src=$T/src
mkdir -p "$src/build"
for f in $(ls -A "$repo"); do
	[ "$f" = build ] || ln -s "$repo/$f" "$src/$f"
done
for f in $(ls -A "$repo/build"); do
	[ "$f" = run ] || ln -s "$repo/build/$f" "$src/build/$f"
done
[ -z "$ctl_link" ] || ln -s "$ctl_link" "$src/build/emoctl"

# make_run LOG [ARGS]: `make run` in the background; its PID in $mpid.
make_run() {
	(cd "$src" && exec make --no-print-directory run SANITIZE="$SANITIZE" \
	    ${2:+ARGS="$2"}) >"$1" 2>&1 &
	mpid=$!
	track_pid "$mpid"
}

# The emod that make started (make runs the recipe's shell, which execs).
run_emod_pid() {
	local c
	for c in $(cat /proc/"$mpid"/task/*/children 2>/dev/null); do
		[ -r "/proc/$c/cmdline" ] && tr '\0' '\n' <"/proc/$c/cmdline" |
		    head -n 1 | grep -q 'emod$' && { echo "$c"; return 0; }
	done
	return 1
}

wait_run_ready() {
	local n=0
	while [ $n -lt "$IT_POLL_COUNT" ]; do
		"$EMOCTL" --socket "$src/build/run/emod.sock" --timeout 2 status \
		    >/dev/null 2>&1 && return 0
		kill -0 "$mpid" 2>/dev/null || fail "make run exited:
$(tail -n 20 "$1")"
		sleep 0.1
		n=$((n + 1))
	done
	fail "make run did not answer on build/run/emod.sock:
$(tail -n 20 "$1")"
}

stop_run() {
	local pid n=0
	pid=$(run_emod_pid) || fail "no emod under make run"
	kill -TERM "$pid"
	while kill -0 "$mpid" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le "$IT_POLL_COUNT" ] || fail "make run did not stop after SIGTERM"
		sleep 0.1
	done
	wait "$mpid" 2>/dev/null || :
}

make_run "$T/run1.log"
wait_run_ready "$T/run1.log"
# It says how emoctl reaches it, and the README says the same.
assert_grep "$T/run1.log" "export EMO_SOCKET=build/run/emod.sock" "make run's output"
port=$(sed -n 's/.*UDP 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/run1.log" | head -n 1)
[ -n "$port" ] || fail "make run did not print its UDP port"

# The sandbox: data and socket under build/run/, listening on loopback.
EMO_SOCKET=$src/build/run/emod.sock "$EMOCTL" --json status >"$T/st.json" ||
    fail "emoctl status on the sandbox"
need_python
assert_eq "$src/build/run/data" "$(json_get "$T/st.json" data_dir)" "data_dir of make run"
assert_eq "127.0.0.1:$port" "$(json_get "$T/st.json" listen)" "listen of make run"
[ -f "$src/build/run/data/node.key" ] || fail "no node.key in build/run/data"
id1=$(json_get "$T/st.json" node_id)

# The README's lines after "In another shell", verbatim, from the tree.
awk '/^In another shell/ { on = 1; next }
    on && /^    / { print substr($0, 5); next }
    on && /^[^ ]/ { exit }' "$repo/README" >"$T/readme.sh"
grep -q emoctl "$T/readme.sh" || fail "no emoctl lines found in the README"
[ "$(grep -c emoctl "$T/readme.sh")" -ge 5 ] || fail "fewer than 5 emoctl lines in the README:
$(cat "$T/readme.sh")"
(cd "$src" && env -u EMO_SOCKET sh -e "$T/readme.sh") >"$OUT" 2>"$ERR" ||
    fail "the README's lines failed: $(it_peek "$ERR")
$(cat "$T/readme.sh")"
assert_grep "$OUT" "^hello, world$" "the README's get"
assert_grep "$OUT" "^hi again$" "the README's second value"
assert_grep "$OUT" '"value_base64"' "the README's --json get"
assert_grep "$OUT" "^peers " "the README's status"
stop_run

# ARGS reach emod; the sandbox keeps its identity across runs.
dead=$(it_pick_port) || fail "no free UDP port"
make_run "$T/run2.log" "--bootstrap 127.0.0.1:$dead"
wait_run_ready "$T/run2.log"
assert_grep "$T/run2.log" "joining through 1 bootstrap address" "make run ARGS=--bootstrap"
EMO_SOCKET=$src/build/run/emod.sock "$EMOCTL" --json status >"$T/st.json" ||
    fail "emoctl status on the second run"
assert_eq "$id1" "$(json_get "$T/st.json" node_id)" "node_id across make runs"
assert_eq isolated "$(json_get "$T/st.json" network)" "network with an unanswered bootstrap"
stop_run
