#!/bin/sh
# test_ping_name.sh — no blocking DNS in emod's event loop: `emoctl ping
# localhost:PORT` works because emoctl resolves the name and sends a
# numeric address, and a ping request naming a host sent straight to the
# daemon is refused with ERR_INVALID asking for a numeric address.
. "$(dirname "$0")/lib.sh"
need_python
getent hosts localhost >/dev/null || skip "localhost does not resolve here"

start_node a
start_node b
assert_exit 0 ctl a --json ping "localhost:$(node_port b)"
id_b=$(ctl b --json status | "$PYTHON" -c 'import json, sys
print(json.load(sys.stdin)["node_id"])')
[ ${#id_b} = 64 ] || fail "no node ID from b's status: $id_b"
assert_grep "$OUT" "$id_b" "the ID in the answer to a ping of localhost"
assert_exit 0 "$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock a)" pingname \
    "localhost:$(node_port b)"
note "$(cat "$OUT")"
# emoctl says so itself when a name does not resolve (exit 2, usage).
assert_exit 2 ctl a ping "emo-no-such-host.invalid:$(node_port b)"
assert_grep "$ERR" "cannot resolve 'emo-no-such-host.invalid:[0-9]+'" "emoctl's message"
node_alive a
stop_node a
stop_node b
