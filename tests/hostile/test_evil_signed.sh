#!/bin/sh
# test_evil_signed.sh — a peer injects bad signed values (issue "Keys that
# belong to someone", bad input): the owner puts a signed value at seq 100
# on a 5-node cluster; evilpeer, holding the key (a replay), STOREs 20
# values of seq 50 under it at every node with a proper write token, then
# 20 of seq 200 whose signatures have one bit flipped.  Every holder must
# refuse all of them (no StoreAck counts one; value_seq_old and
# value_sig_bad count them), and every node's get --signed-by and plain get
# of the key must still return only the owner's value, with nothing that
# failed verification.
. "$(dirname "$0")/evil.sh"

N=4
COUNT=20
cluster_start 0 $N
cluster_wait_peers $N 0 $N
targets=""
i=0
while [ $i -le $N ]; do
	targets="$targets --target $(cl_addr $i)"
	i=$((i + 1))
done

assert_exit 0 ctl n0 keygen "$T/owner.key"
PUB=$(cat "$OUT")
assert_exit 0 ctl n1 --json put --sign "$T/owner.key" --seq 100 profile "the owner's"
KEY=$(json_get "$OUT" key)

# sum_counter NAME: that counter summed over every node.
sum_counter() {
	local i=0 s=0 v
	while [ $i -le $N ]; do
		v=$(cl_counter_sum $i "^$1\$") || fail "status of n$i failed"
		s=$((s + v))
		i=$((i + 1))
	done
	echo $s
}

# ---- an older seq, replayed
evil_run old --store-junk x --count $COUNT $targets --signed "$T/owner.key" \
    --name profile --seq 50 --seconds 60
[ "$(evil_field old tokens)" = $((N + 1)) ] ||
    fail "evilpeer got $(evil_field old tokens) tokens from $((N + 1)) nodes"
sent=$(evil_field old values_sent)
[ "$sent" = $((COUNT * (N + 1))) ] || fail "evilpeer sent $sent values, expected $((COUNT * (N + 1)))"
[ "$(evil_field old stored)" = 0 ] ||
    fail "$(evil_field old stored) values of an older seq were acknowledged"
old=$(sum_counter value_seq_old)
[ "$old" -ge "$sent" ] || fail "value_seq_old is $old over the nodes, $sent were sent"

# ---- forged signatures of a higher seq
evil_run forged --store-junk x --count $COUNT $targets --signed "$T/owner.key" \
    --name profile --seq 200 --forge --seconds 60
sent=$(evil_field forged values_sent)
[ "$(evil_field forged stored)" = 0 ] ||
    fail "$(evil_field forged stored) values with forged signatures were acknowledged"
bad=$(sum_counter value_sig_bad)
[ "$bad" -ge "$sent" ] || fail "value_sig_bad is $bad over the nodes, $sent were sent"
note "refused: value_seq_old $old, value_sig_bad $bad"

# ---- every node still returns only the owner's value
i=0
while [ $i -le $N ]; do
	assert_exit 0 ctl "n$i" get --signed-by "$PUB" profile
	assert_eq "the owner's" "$(cat "$OUT")" "signed get on n$i"
	[ -s "$ERR" ] && fail "signed get on n$i: $(it_peek "$ERR")"
	assert_exit 0 ctl "n$i" -x get "$KEY"
	assert_eq "the owner's" "$(cat "$OUT")" "plain get of the key on n$i"
	i=$((i + 1))
done
i=0
while [ $i -le $N ]; do
	node_alive "n$i"
	i=$((i + 1))
done
cluster_stop 0 $N
