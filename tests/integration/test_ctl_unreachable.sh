#!/bin/sh
# test_ctl_unreachable.sh — emoctl against no daemon exits 3, whether the
# socket path is missing, stale, or not a socket at all.
. "$(dirname "$0")/lib.sh"

for cmd in "status" "get k" "put k v" "--json status"; do
	# shellcheck disable=SC2086
	assert_exit 3 timeout 30 "$EMOCTL" --socket "$T/missing.sock" --timeout 5 $cmd
	[ -s "$ERR" ] || fail "emoctl $cmd against a missing socket said nothing on stderr"
done

need_python
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])' "$T/stale.sock" || fail "could not make a stale socket"
assert_exit 3 timeout 30 "$EMOCTL" --socket "$T/stale.sock" --timeout 5 status

echo "not a socket" >"$T/file.sock"
assert_exit 3 timeout 30 "$EMOCTL" --socket "$T/file.sock" --timeout 5 status

# A daemon that went away: 3 again.
start_node a
stop_node a
assert_exit 3 ctl a status

# A listener that accepts and never answers: emoctl gives up after
# --timeout with exit 3 or 4, not hang.
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
c, _ = s.accept()
time.sleep(8)' "$T/mute.sock" &
mute=$!
track_pid "$mute"
n=0
while [ ! -S "$T/mute.sock" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
t0=$(now_ms)
it_run timeout 30 "$EMOCTL" --socket "$T/mute.sock" --timeout 1 status
ms=$(($(now_ms) - t0))
kill "$mute" 2>/dev/null
wait "$mute" 2>/dev/null || :
case "$RC" in
3|4) ;;
*) fail "emoctl --timeout 1 against a mute listener exited $RC (expected 3 or 4)" ;;
esac
[ $ms -lt 5000 ] || fail "emoctl --timeout 1 took $ms ms against a mute listener"
