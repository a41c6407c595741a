#!/bin/sh
# test_cluster_values.sh — 21 nodes: 100 distinct values under one key come
# back (the exact set, oldest first) through another node; 10 sequential
# values come back in put order through every node; --since; a key stored
# nowhere is reported not found when the lookup ends, not after a timeout.
. "$(dirname "$0")/cluster.sh"

N=20
# A long RPC timeout makes "answered by a timeout" impossible to miss: a
# not-found that waited for one would take 4 s, a lookup that ended takes
# milliseconds.  Nothing in a healthy cluster should ever time out.
RPC_TIMEOUT_MS=4000
i=0
while [ $i -le $N ]; do
	cl_conf $i "rpc_timeout_ms = $RPC_TIMEOUT_MS"
	i=$((i + 1))
done
cluster_start 0 $N
cluster_wait_peers 10 0 $N

# ---- 100 distinct values under one key: put through n1, get through n19.
t0=$(now_ms)
: >"$T/expect100"
v=0
while [ $v -lt 100 ]; do
	assert_exit 0 ctl n1 put hundred "value-$v"
	assert_grep "$OUT" "[1-9][0-9]* nodes? acknowledged" "put reply"
	echo "value-$v" >>"$T/expect100"
	v=$((v + 1))
done
t1=$(now_ms)
note "100 sequential puts through emoctl: $((t1 - t0)) ms"
assert_exit 0 ctl n19 --json get hundred
cp "$OUT" "$T/got100.json"
"$PYTHON" - "$T/got100.json" "$T/expect100" >"$T/check" 2>&1 <<'PY' ||
import json, sys
vals = json.load(open(sys.argv[1]))
want = [l.strip() for l in open(sys.argv[2])]
got = [v["value"] for v in vals]
created = [v["created_ms"] for v in vals]
errs = []
if len(got) != len(set(got)):
    errs.append("duplicates in the answer")
if set(got) != set(want):
    errs.append("missing %s; unexpected %s" % (sorted(set(want) - set(got))[:10],
                                              sorted(set(got) - set(want))[:10]))
if created != sorted(created):
    errs.append("not oldest first: created_ms %s" % created[:10])
# Puts were sequential, so where times differ the order is the put order.
pos = {w: n for n, w in enumerate(want)}
for a, b in zip(vals, vals[1:]):
    if a["created_ms"] < b["created_ms"] and pos.get(a["value"], 0) > pos.get(b["value"], 0):
        errs.append("%s listed before %s" % (a["value"], b["value"]))
        break
print("; ".join(errs) or "%d values" % len(got))
sys.exit(1 if errs else 0)
PY
    fail "get hundred through n19: $(cat "$T/check")"
# The plain output carries the same set, one value per line.
assert_exit 0 ctl n19 get hundred
sort "$OUT" >"$T/got100.sorted"
sort "$T/expect100" >"$T/expect100.sorted"
assert_cmp "$T/expect100.sorted" "$T/got100.sorted" "values of 'hundred' through n19"

# ---- 10 sequential values: put through n2, in put order through every node.
: >"$T/expect10"
v=0
while [ $v -lt 10 ]; do
	assert_exit 0 ctl n2 put sequence "seq-$v"
	echo "seq-$v" >>"$T/expect10"
	sleep 0.002
	v=$((v + 1))
done
i=0
while [ $i -le $N ]; do
	assert_exit 0 ctl "$(cl_name $i)" get sequence
	assert_cmp "$T/expect10" "$OUT" "values of 'sequence' through n$i (got: $(tr '\n' ' ' <"$OUT"))"
	i=$((i + 1))
done

# ---- --since: nothing after T, then exactly the one value put after T.
assert_exit 0 ctl n3 put since old-1
assert_exit 0 ctl n3 put since old-2
sleep 0.05
t=$(now_ms)
sleep 0.05
assert_exit 1 ctl n15 get since --since "$t"
[ ! -s "$OUT" ] || fail "get --since $t printed: $(it_peek "$OUT")"
assert_exit 0 ctl n3 put since new-1
assert_exit 0 ctl n15 get since --since "$t"
assert_eq "new-1" "$(cat "$OUT")" "get --since $t through n15"
assert_exit 0 ctl n16 get since --since 0
printf 'old-1\nold-2\nnew-1\n' >"$T/expect"
assert_cmp "$T/expect" "$OUT" "get since --since 0 through n16"

# ---- never stored: not found (exit 1, no output), each get well under one
# RPC timeout, and no RPC of the querying node timed out meanwhile.
before=$(cl_counter_sum 10 '^rpc_timeouts$') || fail "no counters from n10"
has_counter=$(grep -c '^rpc_timeouts ' "$T/counters.10")
total=0
k=0
while [ $k -lt 5 ]; do
	t0=$(now_ms)
	assert_exit 1 ctl n10 get "never-stored-$k-$$"
	t1=$(now_ms)
	[ ! -s "$OUT" ] || fail "get of a missing key printed: $(it_peek "$OUT")"
	ms=$((t1 - t0))
	[ $ms -lt $RPC_TIMEOUT_MS ] ||
	    fail "not-found took $ms ms, one RPC timeout is $RPC_TIMEOUT_MS ms"
	total=$((total + ms))
	k=$((k + 1))
done
after=$(cl_counter_sum 10 '^rpc_timeouts$') || fail "no counters from n10"
note "5 gets of missing keys: $((total / 5)) ms each on average (emoctl included)"
if [ "$has_counter" -gt 0 ]; then
	[ "$after" = "$before" ] ||
	    fail "n10's rpc_timeouts grew from $before to $after during the not-found gets"
else
	note "n10 has no counter rpc_timeouts: only the time bound was checked"
fi
