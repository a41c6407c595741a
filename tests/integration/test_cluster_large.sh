#!/bin/sh
# test_cluster_large.sh — four 32 KiB values (the maximum) under one key,
# put through one node, come back whole and in order through others.  The
# nodes are loopback peers: each STORE travels as one datagram of about
# 33 KB (WIRE_MAX_LOCAL_DATAGRAM, docs/PROTOCOL.md), while an answer of two
# values (about 66 KB) still travels in fragments, and the answer spans
# several messages.
. "$(dirname "$0")/cluster.sh"

N=7
cluster_start 0 $N
cluster_wait_peers 4 0 $N

# cl_tx I: node I's "udp_tx_packets udp_tx_bytes".
cl_tx() {
	cl_counters "$1" >"$T/tx.$1" || return 1
	awk '$1 == "udp_tx_packets" { p = $2 } $1 == "udp_tx_bytes" { b = $2 }
	    END { print p + 0, b + 0 }' "$T/tx.$1"
}

: >"$T/expect"
tx0=$(cl_tx 1) || fail "no counters from n1"
v=0
while [ $v -lt 4 ]; do
	# Random bytes, newlines and NULs included.
	head -c 32768 /dev/urandom >"$T/v$v"
	assert_exit 0 ctl n1 put big - <"$T/v$v"
	assert_grep "$OUT" "[1-9][0-9]* nodes? acknowledged" "put of 32 KiB value $v"
	cat "$T/v$v" >>"$T/expect"
	echo >>"$T/expect"
	sleep 0.002
	v=$((v + 1))
done
# The STOREs went whole: in fragments (1,232 bytes at most) the 800 KB or
# so that n1 sent could not average more than 1,232 bytes a datagram.
tx1=$(cl_tx 1) || fail "no counters from n1"
set -- $tx0 $tx1
dp=$(($3 - $1))
db=$(($4 - $2))
note "n1 sent $dp datagrams, $db bytes, during the four puts"
[ "$db" -gt $((4 * 32768)) ] || fail "n1 sent only $db bytes for four 32 KiB puts"
[ "$dp" -gt 0 ] && [ $((db / dp)) -gt 4096 ] ||
    fail "n1's datagrams averaged $((db / (dp + (dp == 0)))) bytes: the STOREs went in fragments"
for n in 6 3 0; do
	assert_exit 0 ctl "n$n" get big
	assert_cmp "$T/expect" "$OUT" "four 32 KiB values through n$n"
done

# The same, one at a time, by content: base64 in --json matches each file.
assert_exit 0 ctl n5 --json get big
"$PYTHON" - "$OUT" "$T" <<'PY' || fail "--json get big through n5 differs"
import base64, json, sys
vals = json.load(open(sys.argv[1]))
want = [open("%s/v%d" % (sys.argv[2], i), "rb").read() for i in range(4)]
sys.exit(0 if [base64.b64decode(v["value_base64"]) for v in vals] == want else 1)
PY

# One byte more than the maximum is refused, and nothing is stored.
head -c 32769 /dev/urandom >"$T/toolarge"
it_run ctl n2 put toolarge - <"$T/toolarge"
[ "$RC" != 0 ] || fail "a 32769-byte value was accepted"
assert_exit 1 ctl n4 get toolarge
