#!/bin/sh
# test_port_in_use.sh — a second emod on a UDP port already taken (by
# another emod, SO_REUSEPORT notwithstanding) is refused; the first serves.
. "$(dirname "$0")/lib.sh"

start_node a
port=$(node_port a)
echo "# empty" >"$T/b.conf"
expect_refusal b --config "$T/b.conf" --listen "127.0.0.1:$port" \
    --data-dir "$T/b-data" --socket "$T/b.sock"
log=$(node_log b)
assert_eq 1 "$(node_rc b)" "exit status of the second emod"
grep -qiE 'in use|already|bind' "$log" ||
    fail "the refusal does not say the address is in use: $(it_peek "$log" 600)"
[ ! -e "$T/b.sock" ] || fail "the refused emod left a socket at $T/b.sock"
node_alive a

# 0.0.0.0 on the same port overlaps 127.0.0.1 as well.
expect_refusal c --config "$T/b.conf" --listen "0.0.0.0:$port" \
    --data-dir "$T/c-data" --socket "$T/c.sock"
node_alive a
stop_node a
