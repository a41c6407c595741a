#!/bin/sh
# test_pipelining.sh — several framed requests written at once on one
# connection are all answered, in order, each with its own id; several
# pipelining clients at once are kept apart.
. "$(dirname "$0")/lib.sh"
need_python

start_node a
assert_exit 0 ctl a put pipe-key pipe-value
assert_exit 0 "$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock a)" pipeline
node_alive a
stop_node a
