#!/bin/sh
# test_sighup_dns.sh — no blocking DNS in the event loop on SIGHUP: a
# reloaded configuration whose bootstrap names a host in /etc/hosts
# (localhost) and one under .invalid: emod keeps answering, joins through
# the first, skips the second without a query (RFC 6761).  Then, as root in
# a private network and mount namespace (skipped otherwise), a resolver on
# 127.0.0.1 that never answers: while emod's lookup waits for it, `emoctl
# status` keeps answering within 2 s, and the lookup fails by itself later.
# No packet leaves loopback: the first part asks no DNS server, the second
# has only the namespace's own loopback.
. "$(dirname "$0")/lib.sh"
need_python
grep -qE '^127\.0\.0\.1[[:space:]].*\blocalhost\b' /etc/hosts ||
    skip "/etc/hosts does not name localhost 127.0.0.1"

start_node b
start_node a
pb=$(node_port b)
printf 'bootstrap = nothing.invalid:9\nbootstrap = localhost:%s\n' "$pb" \
    >"$(node_dir a)/conf"
kill -HUP "$(node_pid a)"
# Every status answers promptly, and a comes to know b.
end=$(($(date +%s) + 20 * IT_SLOW))
while :; do
	t0=$(now_ms)
	assert_exit 0 ctl a --timeout $((2 * IT_SLOW)) status
	t1=$(now_ms)
	[ $((t1 - t0)) -lt $((2000 * IT_SLOW)) ] ||
	    fail "emoctl status took $((t1 - t0)) ms after SIGHUP"
	ctl a peers 2>/dev/null | grep -qF "127.0.0.1:$pb" && break
	[ "$(date +%s)" -lt "$end" ] ||
	    fail "a does not list b (127.0.0.1:$pb) 20 s after SIGHUP"
	sleep 0.2
done
log=$(node_log a)
assert_grep "$log" "bootstrap localhost:$pb is 127\.0\.0\.1:$pb" "a's log"
assert_grep "$log" "bootstrap nothing\.invalid:9: a name under \.invalid never resolves" "a's log"
note "$(grep -m 1 'bootstrap localhost' "$log")"
stop_node a
stop_node b

# ---- a resolver that never answers, in a namespace of our own -----------
[ "$(id -u)" = 0 ] || skip "part 2 needs root (a network namespace); part 1 passed"
command -v unshare >/dev/null && command -v ip >/dev/null ||
    skip "part 2 needs unshare and ip; part 1 passed"
timeout 10 unshare -n -m sh -c 'ip link set lo up' 2>/dev/null ||
    skip "cannot make a network namespace here; part 1 passed"

d=$(node_dir c)
mkdir -p "$d"
# evdns reads these options: about 4 s x 2 tries before it gives up.
printf 'nameserver 127.0.0.1\noptions timeout:4 attempts:2\n' >"$d/resolv.conf"
echo "# $IT_NAME: no bootstrap yet" >"$d/conf"
cat >"$d/silent.py" <<'PY'
# A DNS server that takes every query and answers none, for 60 s at most.
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
time.sleep(60)
PY
port=$(it_pick_port) || fail "no free UDP port"
: >"$d/log"
unshare -n -m sh -c 'ip link set lo up &&
    mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 1
    '"$PYTHON"' "$1/silent.py" & echo $! >"$1/silent.pid"
    shift
    exec "$@"' sh "$d" "$EMOD" --config "$d/conf" --listen "127.0.0.1:$port" \
    --data-dir "$d/data" --socket "$(node_sock c)" </dev/null >>"$d/log" 2>&1 &
cpid=$!
track_pid "$cpid"
n=0
until ctl c status >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt "$IT_POLL_COUNT" ] || fail "emod in the namespace did not start: $(cat "$d/log")"
	kill -0 "$cpid" 2>/dev/null || fail "emod in the namespace exited: $(cat "$d/log")"
	sleep 0.05
done
echo 'bootstrap = slow-resolver-test.example:9' >"$d/conf"
kill -HUP "$cpid"
# Five statuses over about 3 s, while the lookup waits (8 s in all).
for i in 1 2 3 4 5; do
	t0=$(now_ms)
	assert_exit 0 ctl c --timeout $((2 * IT_SLOW)) status
	t1=$(now_ms)
	[ $((t1 - t0)) -lt $((2000 * IT_SLOW)) ] ||
	    fail "emoctl status took $((t1 - t0)) ms while a bootstrap name was resolving"
	sleep 0.5
done
grep -q 'bootstrap slow-resolver-test.example:9: ' "$d/log" &&
    note "the lookup ended early (the resolver did not wait)"
end=$(($(date +%s) + 40 * IT_SLOW))
until grep -q 'bootstrap slow-resolver-test.example:9: .*skipped' "$d/log"; do
	[ "$(date +%s)" -lt "$end" ] ||
	    fail "no end of the lookup in c's log after 40 s: $(tail -5 "$d/log")"
	sleep 0.2
done
note "$(grep -m 1 'bootstrap slow-resolver' "$d/log")"
assert_exit 0 ctl c status
kill -TERM "$cpid"
n=0
while kill -0 "$cpid" 2>/dev/null && [ $n -lt "$IT_POLL_COUNT" ]; do
	sleep 0.05
	n=$((n + 1))
done
spid=$(cat "$d/silent.pid" 2>/dev/null)
[ -n "$spid" ] && grep -q silent.py "/proc/$spid/cmdline" 2>/dev/null &&
    kill "$spid"
exit 0
