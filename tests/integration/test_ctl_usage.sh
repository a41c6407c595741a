#!/bin/sh
# test_ctl_usage.sh — emoctl usage errors and invalid input exit 2 and say
# why on stderr; `emoctl help` exits 0 and lists the commands.
. "$(dirname "$0")/lib.sh"

start_node a

assert_exit 0 ctl a help
for c in put get watch hash status; do
	grep -qw "$c" "$OUT" || fail "emoctl help does not mention '$c': $(it_peek "$OUT")"
done

# usage CMD...: emoctl must exit 2 with something on stderr.
usage() {
	assert_exit 2 ctl a "$@"
	[ -s "$ERR" ] || fail "emoctl $* exited 2 but printed nothing on stderr"
}
usage
usage no-such-command
usage put
usage put onlykey
usage put k v extra
usage get
usage get k extra
usage get k --since
usage get k --since -x
usage watch
usage watch k --count 0
usage watch k --count x
usage put k v --count 3
usage put k v --ttl
usage put k v --no-such-flag
usage --no-such-option status
usage hash
usage status extra
usage --timeout abc status
usage --timeout -1 status
assert_exit 2 timeout 30 "$EMOCTL" --socket
assert_exit 2 timeout 30 "$EMOCTL"

# A key name over 1024 bytes is invalid input.
long=$(head -c 1025 /dev/zero | tr '\000' 'k')
usage put "$long" v
usage get "$long"
ok=$(head -c 1024 /dev/zero | tr '\000' 'k')
assert_exit 0 ctl a put "$ok" v
assert_exit 0 ctl a get "$ok"

# None of that stored anything or upset the daemon.
need_python
assert_exit 0 ctl a --json status
cp "$OUT" "$T/status.json"
assert_eq 1 "$(json_get "$T/status.json" values)" "status values"
stop_node a
