#!/bin/sh
# test_ctl_stalled.sh — the per-client output cap: a control client that
# pipelines requests and never reads its answers is dropped once more than
# CONTROL_MAX_OUTPUT (1 MiB) waits for it and it took none of it for
# control_output_timeout; it is counted in ctl_dropped_output and logged
# once, and a second client is served before, during and after.
. "$(dirname "$0")/lib.sh"
need_python

mkdir -p "$(node_dir a)"
echo "control_output_timeout = 2" >"$(node_dir a)/conf"
start_node a
# 32 KiB values so that unread answers add up quickly.
head -c 32768 /dev/zero | tr '\000' s >"$T/v"
assert_exit 0 ctl a put bp-key - <"$T/v"
assert_exit 0 "$PYTHON" "$IT_LIB_DIR/ctlraw.py" "$(node_sock a)" stalled 2
note "$(cat "$OUT")"
node_alive a
assert_exit 0 ctl a get bp-key
head -c 32768 "$OUT" | cmp -s - "$T/v" || fail "get after the drop returned other bytes"
n=$(grep -c 'read none of its .* queued bytes for 2 s; dropped' "$(node_log a)")
assert_eq 1 "$n" "log lines about the dropped client"
stop_node a
