#!/bin/sh
# test_systemd_notify.sh — emod run the way systemd runs a Type=notify
# service with WatchdogSec=: a fake $NOTIFY_SOCKET datagram socket and
# $WATCHDOG_USEC.  READY=1 comes only once `emoctl status` answers,
# WATCHDOG=1 keeps coming, SIGHUP reloads log_level with RELOADING=1 and
# READY=1, SIGTERM sends STOPPING=1 and exits 0.
. "$(dirname "$0")/lib.sh"
need_python

# ---- the fake service manager --------------------------------------------
# notify.py SOCKET LOG EMOCTL CTLSOCK LIFETIME: receives sd_notify datagrams
# and logs "MS ASSIGNMENT" per line (MS: milliseconds since it started).
# On READY=1 it runs `emoctl status` at once and logs "MS STATUS_RC=N".
cat >"$T/notify.py" <<'EOF'
import os
import socket
import subprocess
import sys
import time

path, log, emoctl, ctlsock, lifetime = sys.argv[1:6]
t0 = time.monotonic()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path + ".tmp")
os.rename(path + ".tmp", path)      # appears only once bound
s.settimeout(0.5)
out = open(log, "a")


def emit(t, line):
    out.write("%d %s\n" % (t, line))
    out.flush()


end = t0 + float(lifetime)
while time.monotonic() < end:
    try:
        data = s.recv(4096)
    except socket.timeout:
        continue
    t = int((time.monotonic() - t0) * 1000)
    lines = data.decode("utf-8", "replace").split("\n")
    for a in lines:
        if a:
            emit(t, a.replace(" ", "_"))
    if "READY=1" in lines:
        rc = subprocess.run([emoctl, "--socket", ctlsock, "--timeout", "2",
                             "status"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode
        emit(int((time.monotonic() - t0) * 1000), "STATUS_RC=%d" % rc)
EOF

nsock="$T/notify.sock"
nlog="$T/notify.log"
: >"$nlog"
lpid=""
# Our own cleanup first (the listener is not an emod), then lib.sh's.
trap 'it_rc=$?; [ -z "$lpid" ] || kill "$lpid" 2>/dev/null; (exit $it_rc); it_cleanup' EXIT

name=n
d=$(node_dir $name)
mkdir -p "$d"
sock=$(node_sock $name)
"$PYTHON" "$T/notify.py" "$nsock" "$nlog" "$EMOCTL" "$sock" \
    $((90 * IT_SLOW)) </dev/null 2>"$T/notify.err" &
lpid=$!
n=0
while [ ! -S "$nsock" ] && [ $n -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
[ -S "$nsock" ] || fail "the fake notify socket did not appear: $(it_peek "$T/notify.err")"

# notify_count ASSIGNMENT: how many times the daemon sent it so far.
notify_count() {
	grep -c " $1\$" "$nlog"
}

# notify_wait ASSIGNMENT COUNT: waits (bounded) until it arrived COUNT times.
notify_wait() {
	nw_n=0
	while [ $nw_n -lt "$IT_POLL_COUNT" ]; do
		[ "$(notify_count "$1")" -ge "$2" ] && return 0
		node_exited $name && return 1
		sleep 0.05
		nw_n=$((nw_n + 1))
	done
	return 1
}

# notify_time ASSIGNMENT NTH: the time of its NTH arrival.
notify_time() {
	grep " $1\$" "$nlog" | sed -n "${2}p" | cut -d' ' -f1
}

# ---- start as systemd would ------------------------------------------------
printf 'log_level = info\n' >"$d/conf"
port=$(it_pick_port) || fail "no free UDP port found"
echo "$port" >"$d/port"
export NOTIFY_SOCKET="$nsock" WATCHDOG_USEC=400000
unset WATCHDOG_PID JOURNAL_STREAM
spawn $name --config "$d/conf" --listen "127.0.0.1:$port" \
    --data-dir "$d/data" --socket "$sock"
unset NOTIFY_SOCKET WATCHDOG_USEC

notify_wait READY=1 1 || fail "READY=1 never arrived (notify log: $(it_peek "$nlog"))"
t_ready=$(notify_time READY=1 1)
notify_wait 'STATUS_RC=[0-9]*' 1 || fail "the listener did not run emoctl status"
rc=$(sed -n 's/^[0-9]* STATUS_RC=//p' "$nlog" | head -n 1)
[ "$rc" = 0 ] || fail "emoctl status right after READY=1 exited $rc: READY=1 came before the control socket answered"
assert_grep "$nlog" '^[0-9]+ STATUS=' "notify messages (STATUS= with READY=1)"

# WATCHDOG_USEC=400000: a keep-alive every 200 ms, so at least 3 (about 10)
# within 2 s of READY=1.
n=0
while [ $n -lt $((60 * IT_SLOW)) ]; do
	last=$(tail -n 1 "$nlog" | cut -d' ' -f1)
	[ "${last:-0}" -ge $((t_ready + 2000)) ] && break
	node_exited $name && fail "emod exited with status $(node_rc $name)"
	sleep 0.05
	n=$((n + 1))
done
wd=$(awk -v lo="$t_ready" -v hi=$((t_ready + 2000)) \
    '$2 == "WATCHDOG=1" && $1 >= lo && $1 <= hi { n++ } END { print n + 0 }' "$nlog")
[ "$wd" -ge 3 ] || fail "only $wd WATCHDOG=1 within 2 s of READY=1 (expected about 10)"
note "$wd keep-alives in the 2 s after READY=1"

# ---- SIGHUP: log_level changes, and the reload is announced ----------------
pid=$(node_pid $name)
printf 'log_level = debug\n' >"$d/conf"
kill -HUP "$pid"
n=0
while ! grep -q 'log_level is now' "$(node_log $name)" && [ $n -lt "$IT_POLL_COUNT" ]; do
	sleep 0.05
	n=$((n + 1))
done
assert_grep "$(node_log $name)" 'log_level is now debug' "emod's log after SIGHUP"
notify_wait RELOADING=1 1 || fail "no RELOADING=1 after SIGHUP"
notify_wait READY=1 2 || fail "no READY=1 after the reload"
[ "$(notify_time RELOADING=1 1)" -le "$(notify_time READY=1 2)" ] ||
    fail "READY=1 came before RELOADING=1 on reload"

# A file that no longer parses is reported and the daemon keeps running.
printf 'log_level = loud\n' >"$d/conf"
kill -HUP "$pid"
notify_wait READY=1 3 || fail "no READY=1 after a reload with a bad file"
assert_grep "$(node_log $name)" 'keeping the running configuration' \
    "emod's log after SIGHUP with a bad file"
node_alive $name

# The watchdog goes on after the reloads.
before=$(notify_count WATCHDOG=1)
notify_wait WATCHDOG=1 $((before + 2)) || fail "keep-alives stopped after SIGHUP"

# ---- SIGTERM: STOPPING=1, exit 0 -------------------------------------------
stop_node $name TERM
notify_wait STOPPING=1 1 || fail "no STOPPING=1 on SIGTERM"

# ---- WATCHDOG_PID naming another process: no keep-alives ----------------
: >"$nlog"
printf 'log_level = info\n' >"$d/conf"
export NOTIFY_SOCKET="$nsock" WATCHDOG_USEC=100000 WATCHDOG_PID=1
spawn $name --config "$d/conf" --listen "127.0.0.1:$port" \
    --data-dir "$d/data" --socket "$sock"
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID
notify_wait READY=1 1 || fail "READY=1 never arrived on the second start"
sleep 1
[ "$(notify_count WATCHDOG=1)" = 0 ] ||
    fail "keep-alives sent although WATCHDOG_PID names another process"
stop_node $name TERM
notify_wait STOPPING=1 1 || fail "no STOPPING=1 on the second SIGTERM"
note "READY=1, keep-alives, reload and stop as systemd expects"
