#!/bin/sh
# test_ctl_limits.sh — the control socket's limits: control_max_clients
# refuses the client over the cap, control_idle_timeout drops half-sent
# frames but not idle clients, and a client that never reads its answers
# neither stalls others nor grows the daemon without bound.
. "$(dirname "$0")/lib.sh"
need_python

mkdir -p "$(node_dir a)"
cat >"$(node_dir a)/conf" <<'CONF'
control_max_clients = 4
control_idle_timeout = 1
CONF
start_node a
raw() {
	assert_exit 0 "$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock a)" "$@"
	[ -s "$OUT" ] && note "$(cat "$OUT")"
	node_alive a
}
raw maxclients 4
raw idle
# 32 KiB values so that unread answers add up quickly.
head -c 32768 /dev/zero | tr '\000' b >"$T/bp"
assert_exit 0 ctl a put bp-key - <"$T/bp"
raw backpressure "$(node_pid a)"

assert_exit 0 ctl a --json status
cp "$OUT" "$T/status.json"
rej=$("$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1])).get("counters", {}).get("ctl_rejected", -1))' "$T/status.json")
[ "$rej" != 0 ] || fail "ctl_rejected counter is 0 after a refused client"
stop_node a
