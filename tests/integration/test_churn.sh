#!/bin/sh
# test_churn.sh — 30 nodes store 300 keys; 10 random nodes are killed with
# SIGKILL and replaced by fresh nodes joining through a survivor, 5 one by
# one (each replacement has peers before the next kill) and then 5 at once;
# every key is then found, with its value, through the last new node.
. "$(dirname "$0")/churn.sh"

N=29			# nodes n0..n29
KEYS=300
BY_CTL=20		# of KEYS, put one emoctl at a time (timed)
VICTIMS=10
ONE_BY_ONE=5
NEW=$((N + 1))		# replacements are n30..n39
MIN_PEERS=10

t0=$(now_ms)
cluster_start 0 $N
cluster_wait_peers $MIN_PEERS 0 $N
t1=$(now_ms)
note "$((N + 1)) nodes up in $((t1 - t0)) ms; peers min/median/max: $(cluster_peer_stats 0 $N)"

# ---- 300 keys: 20 through emoctl (named keys), 280 pipelined (raw keys).
: >"$T/keys.ctl"
t0=$(now_ms)
k=0
while [ $k -lt $BY_CTL ]; do
	assert_exit 0 ctl n2 put "churn-$k" "value-of-churn-$k"
	assert_grep "$OUT" "[1-9][0-9]* nodes? acknowledged" "put churn-$k"
	k=$((k + 1))
done
t1=$(now_ms)
note "$BY_CTL puts through emoctl, one at a time: $(((t1 - t0) / BY_CTL)) ms each"
k=0
while [ $k -lt $BY_CTL ]; do
	assert_exit 0 ctl n2 hash "churn-$k"
	echo "$(cat "$OUT") value-of-churn-$k" >>"$T/keys.ctl"
	k=$((k + 1))
done
cl_keyfile "$T/keys.raw" $((KEYS - BY_CTL)) churn
split_at=$(((KEYS - BY_CTL) / 2))
head -n $split_at "$T/keys.raw" >"$T/keys.a"
tail -n +$((split_at + 1)) "$T/keys.raw" >"$T/keys.b"
for spec in "5 a" "17 b"; do
	set -- $spec
	it_run cl_load put "$1" "$T/keys.$2" 32
	[ "$RC" = 0 ] || fail "puts through n$1: $(cat "$OUT" "$ERR")
$(head -n 5 "$T/load.failed" 2>/dev/null)"
	note "n$1 $(cat "$OUT")"
done
cat "$T/keys.ctl" "$T/keys.raw" >"$T/keys"
[ "$(wc -l <"$T/keys")" = $KEYS ] || fail "key file has $(wc -l <"$T/keys") lines"
values=0
i=0
while [ $i -le $N ]; do
	v=$(cl_values $i)
	values=$((values + ${v:-0}))
	i=$((i + 1))
done
note "$KEYS keys stored: $values copies on $((N + 1)) nodes ($((values / KEYS)) per key on average)"

# ---- churn.  Any original node may die, n0 (everyone's bootstrap) too.
churn_pick $VICTIMS 0 $N >"$T/victims" || fail "cannot pick victims"
note "victims in kill order: $(tr '\n' ' ' <"$T/victims")"

# survivor: prints a random original node that is not a victim.
survivor() {
	churn_pick 1 0 $N $(cat "$T/victims")
}

t0=$(now_ms)
r=0
for v in $(head -n $ONE_BY_ONE "$T/victims"); do
	kill9_node "n$v"
	s=$(survivor)
	i=$((NEW + r))
	t2=$(now_ms)
	cl_start $i --bootstrap "$(cl_addr "$s")"
	cluster_wait_peers $MIN_PEERS $i $i
	note "killed n$v; n$i joined through n$s and has $(cl_peers $i) peers after $(($(now_ms) - t2)) ms"
	r=$((r + 1))
done
t1=$(now_ms)
note "$ONE_BY_ONE nodes replaced one by one in $((t1 - t0)) ms"

rest=$(tail -n +$((ONE_BY_ONE + 1)) "$T/victims")
for v in $rest; do
	kill -KILL "$(node_pid "n$v")" 2>/dev/null
done
for v in $rest; do
	wait_exit "n$v" || fail "n$v still there after SIGKILL"
	it_check_log "n$v"
done
t2=$(now_ms)
first=$((NEW + r))
for v in $rest; do
	cl_spawn $((NEW + r)) --bootstrap "$(cl_addr "$(survivor)")"
	r=$((r + 1))
done
LAST=$((NEW + r - 1))
i=$first
while [ $i -le $LAST ]; do
	cl_wait_ready $i
	i=$((i + 1))
done
cluster_wait_peers $MIN_PEERS $first $LAST
note "killed$(echo $rest | sed 's/\([0-9]*\)/ n\1/g') at once; n$first..n$LAST joined, peers $(cluster_peer_stats $first $LAST) (min/median/max) after $(($(now_ms) - t2)) ms"

# ---- what one get costs now (informational): two keys, one emoctl each.
for k in 3 250; do
	key=$(sed -n "${k}p" "$T/keys" | cut -d' ' -f1)
	t0=$(now_ms)
	it_run timeout -k 5 $((130 * IT_SLOW)) "$EMOCTL" --socket "$(node_sock "n$NEW")" \
	    --timeout $((120 * IT_SLOW)) -x get "$key"
	note "one get through n$NEW after the churn: exit $RC in $(($(now_ms) - t0)) ms"
done

# ---- every key from the last new node, up to 100 gets in flight.
before=$(cl_counter_sum $LAST '^rpc_timeouts$')
t0=$(now_ms)
it_run cl_load get $LAST "$T/keys" 100
t1=$(now_ms)
after=$(cl_counter_sum $LAST '^rpc_timeouts$')
if [ "$RC" != 0 ]; then
	missing=$(wc -l <"$T/load.failed" 2>/dev/null)
	fail "after the churn n$LAST misses ${missing:-?} of $KEYS keys:
$(head -n 10 "$T/load.failed" 2>/dev/null)
$(cat "$OUT" "$ERR")
rpc_timeouts of n$LAST: $before -> $after"
fi
note "n$LAST found all $KEYS keys in $((t1 - t0)) ms ($(cat "$OUT")); its rpc_timeouts $before -> $after"

# What the replacements hold now (informational: hand-over and
# republishing decide it).
held=""
i=$NEW
while [ $i -le $LAST ]; do
	held="$held n$i:$(cl_values $i)"
	i=$((i + 1))
done
note "values held by the replacements:$held"
node_alive "n$LAST"
