#!/bin/sh
# test_sighup_restart_keys.sh — SIGHUP names the keys changed in the file
# that only a restart applies (log_level is applied, so never named), and
# `emoctl status` shows them until the file is back as it was; keys given
# as options (--listen, --data-dir, --socket) do not count as changes.
. "$(dirname "$0")/lib.sh"
need_python

start_node a
conf="$(node_dir a)/conf"
log=$(node_log a)

# restart_keys: the JSON list of `emoctl --json status`, comma-separated.
restart_keys() {
	ctl a --json status >"$T/st" || fail "status failed"
	"$PYTHON" -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["restart_keys"]))' "$T/st"
}

# hup_and_wait TEXT: SIGHUP, then a bounded wait for TEXT in the log.
hup_and_wait() {
	local n=0
	kill -HUP "$(node_pid a)"
	while ! grep -qF "$1" "$log"; do
		n=$((n + 1))
		[ $n -lt $((100 * IT_SLOW)) ] || fail "no '$1' in the log after SIGHUP:
$(tail -n 5 "$log")"
		sleep 0.05
	done
}

assert_eq "" "$(restart_keys)" "restart keys at start (options are no change)"
assert_exit 0 ctl a status
grep -q "restart to apply" "$OUT" && fail "status shows restart keys at start"

printf 'rpc_timeout_ms = 700\nlog_level = debug\nmax_ttl = 2h\n' >>"$conf"
hup_and_wait "applied only by a restart: max_ttl, rpc_timeout_ms"
grep -q "SIGHUP: log_level is now debug" "$log" || fail "log_level was not applied"
assert_eq "max_ttl,rpc_timeout_ms" "$(restart_keys)" "restart keys after SIGHUP"
assert_exit 0 ctl a status
grep -qx "restart to apply: max_ttl, rpc_timeout_ms" "$OUT" ||
    fail "status does not show the restart keys: $(grep restart "$OUT")"

# Back as it was: nothing left to restart for.
echo "# $IT_NAME: empty on purpose" >"$conf"
hup_and_wait "log_level is now info"
assert_eq "" "$(restart_keys)" "restart keys once the file is back"

stop_node a
exit 0
