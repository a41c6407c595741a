#!/bin/sh
# test_malformed.sh — hostile datagrams of every kind against a node that
# holds a 32 KiB value: udp_garbage.py (random bytes, absurd fragments and
# NACKs) and malformed.py (for every message type: every truncation,
# flipped bits, boosted length prefixes, repeated fields beyond limits,
# wrong version and kind bytes; fragment headers with index >= count,
# count 0, huge totals; NACKs).  Afterwards the node answers a PING from a
# normal client, `emoctl get` returns the value byte for byte, and its drop
# counters (rx_dropped_decode, rx_dropped_frag) have grown.
. "$(dirname "$0")/../integration/cluster.sh"

cluster_start 0 1
cluster_wait_peers 1 0 1

head -c 40000 /dev/urandom | tr '\000\n' 'xy' | head -c 32768 >"$T/value"
assert_exit 0 ctl n1 put precious - <"$T/value"
{ cat "$T/value"; echo; } >"$T/expect"
assert_exit 0 ctl n0 get precious
assert_cmp "$T/expect" "$OUT" "the value before the attack"

decode0=$(cl_counter_sum 0 '^rx_dropped_decode$')
frag0=$(cl_counter_sum 0 '^rx_dropped_frag$')

seed=${SEED:-$(date +%s)}
timeout -k 5 $((120 * IT_SLOW)) "$PYTHON" "$IT_LIB_DIR/../integration/udp_garbage.py" \
    --seed "$seed" --no-ping "$(cl_addr 0)" >"$T/garbage.out" 2>&1 ||
    fail "udp_garbage.py: $(cat "$T/garbage.out")"
cat "$T/garbage.out"
timeout -k 5 $((120 * IT_SLOW)) "$PYTHON" "$HOSTILE_DIR/malformed.py" \
    --seed "$seed" "$(cl_addr 0)" >"$T/malformed.out" 2>&1 ||
    fail "malformed.py: $(cat "$T/malformed.out")"
cat "$T/malformed.out"
sleep 1

node_alive n0
node_alive n1
"$PYTHON" -c 'import sys
sys.path.insert(0, sys.argv[1])
import hostile
h, p = sys.argv[2].rsplit(":", 1)
sys.exit(0 if hostile.ping_ok((h, int(p)), src_ip="127.0.0.56") else 1)' \
    "$HOSTILE_DIR" "$(cl_addr 0)" || fail "n0 does not answer a PING after the attack"
note "n0 answers a PING from a normal client"
assert_exit 0 ctl n0 get precious
assert_cmp "$T/expect" "$OUT" "the value after the attack"
assert_exit 0 ctl n1 get precious
assert_cmp "$T/expect" "$OUT" "the value after the attack, through n1"

decode1=$(cl_counter_sum 0 '^rx_dropped_decode$')
frag1=$(cl_counter_sum 0 '^rx_dropped_frag$')
note "n0 rx_dropped_decode $decode0 -> $decode1, rx_dropped_frag $frag0 -> $frag1"
[ "${decode1:-0}" -gt "${decode0:-0}" ] || fail "rx_dropped_decode did not grow"
[ "${frag1:-0}" -gt "${frag0:-0}" ] || fail "rx_dropped_frag did not grow"
