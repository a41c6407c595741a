#!/bin/sh
# test_messages.sh — messages that name the real problem: emoctl given a
# socket path that is a directory or a regular file; pinging our own
# address; pinging IPv6 from a node that listens on IPv4 only; a ping that
# times out blames the pinged node, not emod.  (Permission denied naming
# the group: test_socket_perms.sh.)
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/adir"
touch "$T/afile"
assert_exit 3 "$EMOCTL" --socket "$T/adir" status
assert_grep "$ERR" "is a directory, not emod's socket" "emoctl on a directory"
assert_grep "$ERR" "$T/adir/emod.sock" "emoctl's hint for a directory"
assert_exit 3 "$EMOCTL" --socket "$T/afile" status
assert_grep "$ERR" "is a regular file, not emod's socket" "emoctl on a regular file"
assert_exit 3 "$EMOCTL" --socket "$T/nothing.sock" status
assert_grep "$ERR" "is emod running" "emoctl on a missing socket"

start_node a
port=$(node_port a)
assert_exit 2 ctl a ping "127.0.0.1:$port"
assert_grep "$ERR" "own address" "a ping of ourselves"
assert_exit 2 ctl a ping "[::1]:$port"
assert_grep "$ERR" "is IPv6 and this node listens on IPv4 only" "an IPv6 ping from IPv4"
dead=$(it_pick_port) || fail "no free UDP port"
assert_exit 4 ctl a ping "127.0.0.1:$dead"
assert_grep "$ERR" "no answer from 127\.0\.0\.1:$dead within [0-9.]+ s: that node is down" \
    "a ping nobody answers"
stop_node a

# Listening on every address: pinging the loopback at our port is ourselves.
wport=$(it_pick_port) || fail "no free UDP port"
start_node w --listen "0.0.0.0:$wport"
assert_exit 0 ctl w status
assert_grep "$OUT" "^listen +0\.0\.0\.0:$wport$" "listen of node w"
assert_exit 2 ctl w ping "127.0.0.1:$wport"
assert_grep "$ERR" "own address" "a ping of ourselves on 0.0.0.0"
stop_node w
