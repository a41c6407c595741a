#!/bin/sh
# test_honest_failures.sh — a node meant to have peers says when it has
# none: a put no peer took exits 4 ("stored on this node only: no peer
# answered") unless --min-acks allows it, a get no peer answered exits 4
# ("network unavailable"), never 1, status says "isolated", and the
# bootstrap that does not answer is logged at warning level with its
# backoff.  A node alone by design (no bootstrap, never a peer) succeeds.
. "$(dirname "$0")/lib.sh"
need_python

# wait_json NAME KEY VALUE: until `status --json` has KEY = VALUE (bounded).
wait_json() {
	local n=0
	while [ $n -lt $((100 * IT_SLOW)) ]; do
		ctl "$1" --json status >"$T/st.json" 2>/dev/null &&
		    [ "$(json_get "$T/st.json" "$2")" = "$3" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	fail "node $1: status $2 did not become $3 (last: $(json_get "$T/st.json" "$2"))"
}

# 1. Alone by design: puts succeed with 1 ack, a missing key is exit 1.
start_node solo
assert_exit 0 ctl solo put k v
assert_grep "$OUT" "1 node acknowledged" "a put on a standalone node"
assert_exit 1 ctl solo get missing
assert_exit 0 ctl solo status
assert_grep "$OUT" "^peers +0 \(standalone" "status of a standalone node"
assert_exit 4 ctl solo put --min-acks 2 k2 v
assert_grep "$ERR" "stored on this node only: no peer answered" "--min-acks 2 alone"
stop_node solo

# 2. A bootstrap address nobody answers: isolated.
dead=$(it_pick_port) || fail "no free UDP port"
# At log_level warn the info lines go, the bootstrap warning stays.
mkdir -p "$(node_dir lone)"
echo "log_level = warn" >"$(node_dir lone)/conf"
start_node lone --bootstrap "127.0.0.1:$dead"
assert_exit 4 ctl lone put k v
assert_grep "$ERR" "stored on this node only: no peer answered" "a put with no peer"
assert_exit 0 ctl lone put --min-acks 1 k v
assert_grep "$OUT" "1 node acknowledged" "a put with --min-acks 1"
assert_exit 4 ctl lone get missing
assert_grep "$ERR" "network unavailable" "a get with no peer"
assert_exit 4 ctl lone --json get missing
assert_grep "$ERR" '"code":"ERR_UNAVAILABLE"' "a --json get with no peer"
# The value this node holds is still served.
assert_exit 0 ctl lone get k
assert_eq "v" "$(cat "$OUT")" "a local value on an isolated node"
wait_json lone network isolated
assert_exit 0 ctl lone status
assert_grep "$OUT" "^peers +0 \(isolated" "status of an isolated node"
# The bootstrap's silence is a warning that gives the wait before the next try.
n=0
while ! grep -qE "bootstrap: no answer from 127\.0\.0\.1:$dead .*trying again in [0-9]+ s" \
    "$(node_log lone)"; do
	n=$((n + 1))
	[ $n -le $((150 * IT_SLOW)) ] || fail "no bootstrap warning in the log:
$(tail -n 5 "$(node_log lone)")"
	sleep 0.1
done
grep -q "joining through" "$(node_log lone)" &&
    fail "an info line at log_level warn: the test cannot tell the level"
stop_node lone

# 3. Two nodes: b joins through a; --min-acks is a bar on both.
start_node a
start_node b --bootstrap "127.0.0.1:$(node_port a)"
wait_json b peers 1
wait_json a network connected
assert_exit 0 ctl b put shared v
assert_grep "$OUT" "2 nodes acknowledged" "a put between two nodes"
assert_exit 4 ctl b put --min-acks 3 shared v3
assert_grep "$ERR" "stored on 2 nodes, fewer than the 3 asked" "--min-acks 3 on two nodes"
assert_exit 1 ctl b get never-stored

# 4. a had a peer (no bootstrap list of its own): once b is gone, a put
# and a get that no peer answers fail with 4, and status says so.
stop_node b
assert_exit 4 ctl a put after v
assert_grep "$ERR" "stored on this node only: no peer answered" "a put after the peer left"
assert_exit 4 ctl a get never-stored
assert_grep "$ERR" "network unavailable" "a get after the peer left"
stop_node a
