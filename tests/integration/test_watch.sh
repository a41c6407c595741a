#!/bin/sh
# test_watch.sh — emoctl watch on a 5-node cluster: the live values first,
# then values put through other nodes, each once; --json lines parse;
# --since leaves older values out; SIGINT exits 0; the watch keeps
# receiving after the two nodes closest to the key are killed; and once
# no one watches, no node holds a subscription or a watch.
. "$(dirname "$0")/cluster.sh"
need_python

cluster_start 0 4
cluster_wait_peers 4 0 4

# wait_lines FILE N SECONDS: until FILE has N lines (bounded); 1 if not.
wait_lines() {
	local end=$(($(date +%s) + $3 * IT_SLOW))
	while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ]; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# watcher NAME ARGS...: emoctl watching through n0 in the background; its
# output in $T/NAME.out, its pid in $T/NAME.pid.
watcher() {
	local name="$1"
	shift
	"$EMOCTL" --socket "$(node_sock n0)" "$@" >"$T/$name.out" \
	    2>"$T/$name.err" &
	echo $! >"$T/$name.pid"
	track_pid $!
}

# wait_rc NAME SECONDS: waits (bounded) for watcher NAME to exit and puts
# its exit status in $T/NAME.rc; 1 if it is still running.
wait_rc() {
	local end=$(($(date +%s) + $2 * IT_SLOW)) pid rc
	pid=$(cat "$T/$1.pid")
	while kill -0 "$pid" 2>/dev/null; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	echo "$rc" >"$T/$1.rc"
	return 0
}

# ---- existing values first, then new ones from other nodes, --json lines.
assert_exit 0 ctl n1 put wkey old-1
assert_exit 0 ctl n2 put wkey old-2
watcher w1 --json watch wkey --count 4
wait_lines "$T/w1.out" 2 20 ||
    fail "watch printed no existing values: $(it_peek "$T/w1.out") $(it_peek "$T/w1.err")"
assert_exit 0 ctl n3 put wkey new-1
assert_exit 0 ctl n4 put wkey new-2
wait_rc w1 30 || fail "watch --count 4 did not end: $(it_peek "$T/w1.out")"
assert_eq 0 "$(cat "$T/w1.rc")" "watch --count 4 exit status ($(it_peek "$T/w1.err"))"
"$PYTHON" - "$T/w1.out" >"$T/check" 2>&1 <<'PY' ||
import json, sys
lines = open(sys.argv[1]).read().splitlines()
vals = [json.loads(l)["value"] for l in lines]
errs = []
if len(vals) != 4:
    errs.append("%d lines, not 4" % len(vals))
if sorted(vals[:2]) != ["old-1", "old-2"]:
    errs.append("existing values not first: %s" % vals)
if sorted(vals[2:]) != ["new-1", "new-2"]:
    errs.append("new values missing: %s" % vals)
for l in lines:
    o = json.loads(l)
    if not (o["created_ms"] > 0 and o["expires_ms"] > o["created_ms"]):
        errs.append("bad times in %s" % l)
print("; ".join(errs) or "ok")
sys.exit(1 if errs else 0)
PY
    fail "watch --json: $(cat "$T/check")"

# ---- --since: only values created at or after it.
t=$(now_ms)
sleep 0.05
assert_exit 0 ctl n2 put wkey after-since
watcher w2 watch wkey --since "$t" --count 1
wait_rc w2 20 || fail "watch --since did not end: $(it_peek "$T/w2.out")"
assert_eq 0 "$(cat "$T/w2.rc")" "watch --since exit status"
assert_eq "after-since" "$(cat "$T/w2.out")" "watch --since output"

# ---- SIGINT ends a watch with status 0; the watch ends on the node too.
watcher w3 watch wkey
wait_lines "$T/w3.out" 5 20 || fail "watch printed $(wc -l <"$T/w3.out") of 5 values"
kill -INT "$(cat "$T/w3.pid")"
wait_rc w3 10 || fail "watch did not exit on SIGINT"
assert_eq 0 "$(cat "$T/w3.rc")" "watch exit status on SIGINT"
# Our end (no watch left) and the nodes' (cancelled: no subscription).
end=$(($(date +%s) + 10 * IT_SLOW))
while :; do
	w=$(cl_counter_sum 0 '^watches$')
	s=0
	for i in 1 2 3 4; do
		s=$((s + $(cl_counter_sum $i '^listen_subs$')))
	done
	[ "$w" = 0 ] && [ "$s" = 0 ] && break
	[ "$(date +%s)" -ge "$end" ] &&
	    fail "after the watch: $w watches on n0, $s subscriptions on n1-n4"
	sleep 0.2
done
assert_eq 0 "$(cl_counter_sum 0 '^watch_subs_held$')" "subscriptions held with no watch"

# ---- churn: kill the two nodes closest to the key; the watch goes on.
watcher w4 watch wkey --since "$(now_ms)"
end=$(($(date +%s) + 20 * IT_SLOW))
while [ "$(cl_counter_sum 0 '^watch_subs_held$')" -lt 4 ]; do
	[ "$(date +%s)" -ge "$end" ] &&
	    fail "watch held $(cl_counter_sum 0 '^watch_subs_held$') subscriptions, not 4"
	sleep 0.2
done
cluster_ids 1 4
key=$("$EMOCTL" hash wkey)
set -- $("$PYTHON" - "$key" "$T/ids" <<'PY'
import sys
k = int(sys.argv[1], 16)
ids = [l.split() for l in open(sys.argv[2])]
ids.sort(key=lambda r: int(r[1], 16) ^ k)
print(" ".join(r[0] for r in ids))
PY
)
note "nodes by distance to the key: $*; killing n$1 and n$2"
cluster_stop "$1" "$1"
cluster_stop "$2" "$2"
assert_exit 0 ctl "n$3" put wkey after-churn
wait_lines "$T/w4.out" 1 60 ||
    fail "no value after the closest nodes died: $(it_peek "$T/w4.err")"
assert_eq "after-churn" "$(head -n 1 "$T/w4.out")" "value seen across churn"
kill -TERM "$(cat "$T/w4.pid")"
wait_rc w4 10 || fail "watch did not exit on SIGTERM"
assert_eq 0 "$(cat "$T/w4.rc")" "watch exit status on SIGTERM"
