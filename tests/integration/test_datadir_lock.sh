#!/bin/sh
# test_datadir_lock.sh — a second emod on a data dir in use is refused with
# a message naming the directory, and the first keeps serving.
. "$(dirname "$0")/lib.sh"

start_node a
assert_exit 0 ctl a put locked-key first-node

port=$(it_pick_port) || fail "no free UDP port"
echo "# empty" >"$T/b.conf"
expect_refusal b --config "$T/b.conf" --listen "127.0.0.1:$port" \
    --data-dir "$(node_data a)" --socket "$T/b.sock"
log=$(node_log b)
assert_eq 1 "$(node_rc b)" "exit status of the second emod"
grep -qF -- "$(node_data a)" "$log" ||
    fail "the refusal does not name the data dir $(node_data a): $(it_peek "$log" 600)"
grep -qiE 'in use|lock' "$log" ||
    fail "the refusal does not say the dir is in use or locked: $(it_peek "$log" 600)"
[ ! -e "$T/b.sock" ] || fail "the refused emod left a socket at $T/b.sock"
it_port_busy "$port" && fail "the refused emod still holds UDP port $port"

node_alive a
assert_exit 0 ctl a get locked-key
assert_eq first-node "$(cat "$OUT")" "value on the first node"
assert_exit 0 ctl a put locked-key2 still-writable
[ -S "$(node_sock a)" ] || fail "the first node's socket is gone"

stop_node a
# After the first stops, the dir is free again.
start_node a
assert_exit 0 ctl a get locked-key2
stop_node a
