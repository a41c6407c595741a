#!/bin/sh
# test_sigint.sh — SIGINT shuts emod down as cleanly as SIGTERM: exit 0,
# socket removed, store closed (values back on the next start).
. "$(dirname "$0")/lib.sh"

start_node a
assert_exit 0 ctl a put sig int
stop_node a INT
start_node a
assert_exit 0 ctl a get sig
assert_eq int "$(cat "$OUT")" "value after a SIGINT shutdown"
stop_node a TERM

# A signal while a client holds an idle connection still shuts down.
need_python
start_node a
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
time.sleep(6)' "$(node_sock a)" &
holder=$!
track_pid "$holder"
sleep 0.2
stop_node a INT
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null || :
