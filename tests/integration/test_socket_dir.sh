#!/bin/sh
# test_socket_dir.sh — the per-user fallback directory $TMPDIR/emo-UID
# (used without XDG_RUNTIME_DIR) must be the user's own: emod refuses to
# start, exit 1, creating nothing, when `nobody` made it (mode 0777), when
# it is a symbolic link, or when its mode is not 0700; emoctl refuses to
# connect through a directory `nobody` made, with a socket planted in it.
# When the directory is missing, emod creates it 0700 and serves.  Runs as
# root: a temporary user plays the victim, `nobody` the hostile user.
. "$(dirname "$0")/lib.sh"
need_python

[ "$(id -u)" = 0 ] || skip "not root: needs a victim uid and nobody (setpriv)"
for c in useradd userdel setpriv; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
done
getent passwd nobody >/dev/null || skip "no user nobody"
ngid=$(id -g nobody)

u="emoitd$$"
made_user=0
trap 'it_rc=$?
[ $made_user = 0 ] || userdel "$u" 2>/dev/null
(exit $it_rc); it_cleanup' EXIT
getent passwd "$u" >/dev/null && skip "user $u already exists"
useradd --system --no-create-home --shell /usr/sbin/nologin "$u" ||
    fail "useradd $u failed"
made_user=1
uid=$(id -u "$u")
ugid=$(id -g "$u")

# $T is traversable; $T/tmp is a private /tmp (sticky, world-writable).
chmod 0711 "$T" || fail "chmod $T"
mkdir -p "$T/bin" "$T/tmp" "$T/home"
chmod 0755 "$T/bin"
chmod 1777 "$T/tmp"
chown "$u" "$T/home"
cp "$EMOD" "$T/bin/emod" && cp "$EMOCTL" "$T/bin/emoctl" &&
    chmod 0755 "$T/bin/emod" "$T/bin/emoctl" || fail "cp emod emoctl"
EMOD=$T/bin/emod	# it_is_ours must know the copy
FB="$T/tmp/emo-$uid"

# as_victim CMD...: CMD as $u, with no XDG_RUNTIME_DIR and TMPDIR=$T/tmp.
as_victim() {
	timeout -k 5 "$IT_CTL_LIMIT" setpriv --reuid="$uid" --regid="$ugid" \
	    --clear-groups env -u XDG_RUNTIME_DIR TMPDIR="$T/tmp" \
	    HOME="$T/home" "$@"
}
as_nobody() {
	setpriv --reuid=nobody --regid="$ngid" --clear-groups "$@"
}
it_run as_victim "$T/bin/emoctl" --help
[ "$RC" = 0 ] || skip "user $u cannot run $T/bin/emoctl: $(it_peek "$ERR")"

port=$(it_pick_port) || fail "no free UDP port"
# victim_emod: emod as $u on the default socket path; output in $OUT/$ERR.
victim_emod() {
	it_run as_victim "$EMOD" --listen "127.0.0.1:$port" \
	    --data-dir "$T/home/data"
}
# refused WHAT ERE: emod exits 1 with a message matching ERE, and has
# created nothing: no data directory, nothing inside the fallback dir.
refused() {
	victim_emod
	[ "$RC" = 1 ] || fail "$1: emod exited $RC, expected 1: $(it_peek "$ERR")"
	assert_grep "$ERR" "$2" "emod's message for $1"
	[ ! -e "$T/home/data" ] || fail "$1: emod created its data directory"
	[ -z "$(ls -A "$FB/" 2>/dev/null)" ] || fail "$1: emod created $(ls -A "$FB/")"
	note "$1: $(head -n 1 "$ERR")"
}

# ---- made by nobody, mode 0777 ------------------------------------------
as_nobody mkdir -m 0777 "$FB" || fail "mkdir as nobody"
chmod 0777 "$FB"
refused "a directory of nobody's" \
    "^emod: $FB is owned by uid $(id -u nobody), not $uid: remove it or set XDG_RUNTIME_DIR / --socket$"

# ---- emoctl will not talk through it to a socket nobody planted ----------
setpriv --reuid=nobody --regid="$ngid" --clear-groups "$PYTHON" -c 'import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(5)
s.settimeout(60)
try:
    c, _ = s.accept()
    open(sys.argv[2], "w").write("connected\n")
    time.sleep(30)
except OSError:
    pass' "$FB/emod.sock" "$FB/caught" &
fake=$!
track_pid "$fake"
n=0
while [ ! -S "$FB/emod.sock" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
[ -S "$FB/emod.sock" ] || fail "the planted socket did not appear"
it_run as_victim "$T/bin/emoctl" --timeout 3 status
[ "$RC" = 3 ] || fail "emoctl through nobody's directory exited $RC, expected 3: $(it_peek "$ERR")"
assert_grep "$ERR" "$FB is owned by uid $(id -u nobody), not $uid" "emoctl's message"
sleep 0.2
[ ! -e "$FB/caught" ] || fail "emoctl connected to the socket nobody planted"
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null
rm -rf "$FB"

# ---- a symbolic link to a directory of the victim's ----------------------
mkdir -m 0700 "$T/tmp/elsewhere" && chown "$u" "$T/tmp/elsewhere"
ln -s "$T/tmp/elsewhere" "$FB"
refused "a symbolic link" "^emod: $FB is a symbolic link, not a directory: remove it"
[ -z "$(ls -A "$T/tmp/elsewhere")" ] || fail "emod wrote through the link"
rm -f "$FB"

# ---- the victim's own, but mode 0755 -------------------------------------
mkdir -m 0755 "$FB" && chown "$u" "$FB"
refused "mode 0755" "^emod: $FB has mode 0755, not 0700: run chmod 700 $FB"
rmdir "$FB"

# ---- missing: created 0700 and served ------------------------------------
# Not through a function: $! must be emod itself (setpriv and env exec).
setpriv --reuid="$uid" --regid="$ugid" --clear-groups env -u XDG_RUNTIME_DIR \
    TMPDIR="$T/tmp" HOME="$T/home" "$EMOD" --listen "127.0.0.1:$port" \
    --data-dir "$T/home/data" >"$T/victim.log" 2>&1 &
vpid=$!
echo "$vpid" >>"$T/pids"
n=0
while [ $n -lt "$IT_POLL_COUNT" ]; do
	it_run as_victim "$T/bin/emoctl" --timeout 5 status
	[ "$RC" = 0 ] && break
	sleep 0.05
	n=$((n + 1))
done
[ "$RC" = 0 ] || fail "emod on a fresh fallback dir: $(it_peek "$ERR") $(it_peek "$T/victim.log")"
assert_eq "700 $u" "$(stat -c '%a %U' "$FB")" "the fallback dir emod made"
assert_eq "660 $u" "$(stat -c '%a %U' "$FB/emod.sock")" "the socket"
kill -TERM "$vpid"
n=0
while kill -0 "$vpid" 2>/dev/null && [ $n -lt "$IT_POLL_COUNT" ]; do
	sleep 0.05
	n=$((n + 1))
done
[ ! -e "$FB/emod.sock" ] || fail "emod left its socket behind"
note "fallback socket directory: foreign, symlinked and loose ones refused"
