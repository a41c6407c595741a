#!/bin/sh
# test_ctl_peercred.sh — emod checks each control client's credentials
# (SO_PEERCRED, SO_PEERGROUPS) at accept: even when the socket's mode is
# widened by mistake to 0666 (a chmod, a systemd .socket unit's default),
# `nobody` — neither uid 0, emod's uid, nor in the socket's group — is
# closed without an answer and counted in ctl_refused_peer, while root is
# served.  Runs as root (nobody via setpriv).
. "$(dirname "$0")/lib.sh"
need_python

[ "$(id -u)" = 0 ] || skip "not root: needs a second uid (nobody via setpriv)"
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed"
getent passwd nobody >/dev/null || skip "no user nobody"
ngid=$(id -g nobody)
[ "$ngid" != 0 ] || skip "nobody's group is root's"

chmod 0711 "$T" || fail "chmod $T"
mkdir -p "$T/bin"
chmod 0755 "$T/bin"
cp "$EMOCTL" "$T/bin/emoctl" && chmod 0755 "$T/bin/emoctl" || fail "cp emoctl"
as_nobody() {
	timeout -k 5 "$IT_CTL_LIMIT" setpriv --reuid=nobody --regid="$ngid" \
	    --clear-groups "$@"
}
it_run as_nobody "$T/bin/emoctl" --help
[ "$RC" = 0 ] || skip "nobody cannot run $T/bin/emoctl: $(it_peek "$ERR")"

start_node a -v -v
# The mistake: the socket opened to everyone.
chmod 0666 "$(node_sock a)" || fail "chmod the socket"
assert_exit 3 as_nobody "$T/bin/emoctl" --socket "$(node_sock a)" --timeout 5 status
assert_grep "$ERR" 'closed the connection before answering' "emoctl's message as nobody"
# A raw client sees the close too, and gets no byte.
it_run as_nobody "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
try:
    s.sendall(b"\0\0\0\2\x08\x01")
    got = s.recv(100)
except (BrokenPipeError, ConnectionResetError):
    got = b""
sys.exit(0 if got == b"" else 1)' "$(node_sock a)"
[ "$RC" = 0 ] || fail "nobody's raw client got an answer: $(it_peek "$ERR")"

assert_exit 0 ctl a --json status
refused=$(json_get "$OUT" counters | "$PYTHON" -c 'import ast, sys
print(ast.literal_eval(sys.stdin.read()).get("ctl_refused_peer", -1))')
assert_eq 2 "$refused" "ctl_refused_peer after two clients of nobody's"
assert_grep "$(node_log a)" "control client: uid $(id -u nobody) gid $ngid pid [0-9]+" \
    "the debug line with nobody's credentials"
stop_node a
note "a client of another uid, outside the socket's group, is refused"
