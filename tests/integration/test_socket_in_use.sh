#!/bin/sh
# test_socket_in_use.sh — a control socket with a live daemon behind it is
# never taken over by a second emod; a stale one (no listener) is replaced.
. "$(dirname "$0")/lib.sh"

start_node a
port=$(it_pick_port) || fail "no free UDP port"
echo "# empty" >"$T/b.conf"
expect_refusal b --config "$T/b.conf" --listen "127.0.0.1:$port" \
    --data-dir "$T/b-data" --socket "$(node_sock a)"
[ -S "$(node_sock a)" ] || fail "the second emod removed the first one's socket"
node_alive a
stop_node a

# A stale socket file (bound, then its owner went away) is cleared at start.
need_python
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])' "$(node_sock s)" || fail "could not make a stale socket"
[ -S "$(node_sock s)" ] || fail "no stale socket file was made"
start_node s
assert_exit 0 ctl s put k v
stop_node s

# A regular file in the socket's place is not deleted.
echo precious >"$(node_sock f)"
port=$(it_pick_port) || fail "no free UDP port"
spawn f --config "$T/b.conf" --listen "127.0.0.1:$port" --data-dir "$T/f-data" \
    --socket "$(node_sock f)"
if wait_ready f; then
	stop_node f
	fail "emod replaced a regular file at its socket path"
fi
wait_exit f || { kill -TERM "$(node_pid f)"; fail "emod neither served nor exited"; }
[ "$(cat "$(node_sock f)" 2>/dev/null)" = precious ] ||
    fail "emod deleted or changed a regular file at its socket path"
