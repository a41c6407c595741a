#!/bin/sh
# test_reflect.sh — spoofed reflection: three emods on 127.0.0.0/8 with
# limit_local = yes (loopback treated like public addresses) exchange real
# traffic (100 values of 1-4 KiB under one key, 32 KiB values); every
# message type captured on `lo`, and FIND_VALUEs for the big keys, is
# replayed 50 times to n0 with a forged victim source address.  The victim
# must receive no more bytes than the attacker sent, for every type
# (reflect.py prints the table).
. "$(dirname "$0")/../integration/cluster.sh"

for i in 0 1 2; do
	cl_conf $i "limit_local = yes"
done
cluster_start 0 2
cluster_wait_peers 2 0 2

timeout -k 5 $((240 * IT_SLOW)) "$PYTHON" "$HOSTILE_DIR/reflect.py" \
    "$(node_sock n0)" "$(cl_addr 0)" "$(node_sock n1)" "$(node_sock n2)" \
    "$(cl_addr 1)" "$(cl_addr 2)" >"$T/reflect.out" 2>&1
rc=$?
cat "$T/reflect.out"
[ $rc = 0 ] || fail "reflection (exit $rc), see the table above"
i=0
while [ $i -le 2 ]; do
	node_alive "n$i"
	i=$((i + 1))
done
