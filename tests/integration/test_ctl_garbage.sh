#!/bin/sh
# test_ctl_garbage.sh — undecodable frames, random bytes, absurd length
# prefixes and half-sent frames on the control socket cost only their own
# connection: the daemon keeps serving other clients and exits cleanly.
. "$(dirname "$0")/lib.sh"
need_python

start_node a
assert_exit 0 ctl a put before garbage
for sc in garbage bigprefix halfsent; do
	assert_exit 0 "$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock a)" $sc
	node_alive a
done
assert_exit 0 ctl a get before
assert_eq garbage "$(cat "$OUT")" "value put before the garbage"
assert_exit 0 ctl a put after garbage
stop_node a
