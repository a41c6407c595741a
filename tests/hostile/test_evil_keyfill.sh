#!/bin/sh
# test_evil_keyfill.sh — enough sources fill one key at every node that
# holds it, with the default quotas: evilpeer STOREs 2,000 junk values
# under one key from 8 loopback sources in 4 /24s (limit_local = yes: each
# address is a source, each /24 a prefix) at each node of a 3-node
# cluster.  Each source stays within its own quota (256 values a key) and
# each prefix within its own (512), but 4 x 500 passes the store's
# max_values_per_key (1,024).  Then an honest `emoctl put` of that key on
# n1 must succeed (a full key evicts the oldest of the source holding most
# under it: quota_evicted_key) and `emoctl get` on n2 must return it.
. "$(dirname "$0")/evil.sh"

N=2
KEY=evil-keyfill
i=0
while [ $i -le $N ]; do
	cl_conf $i "limit_local = yes"
	i=$((i + 1))
done
cluster_start 0 $N
cluster_wait_peers $N 0 $N
targets=""
i=0
while [ $i -le $N ]; do
	targets="$targets --target $(cl_addr $i)"
	i=$((i + 1))
done

for p in 1 2 3 4; do
	evil_run junk$p --store-junk "$KEY" --count 500 $targets \
	    --from-ips 127.0.$((40 + p)).100-101 --seconds 60
	[ "$(evil_field junk$p tokens)" = $((2 * (N + 1))) ] ||
	    fail "evilpeer $p got $(evil_field junk$p tokens) tokens, expected $((2 * (N + 1)))"
done
i=0
while [ $i -le $N ]; do
	note "n$i holds $(cl_values $i) values, quota_refused_key $(cl_counter_sum $i '^quota_refused_key$'), store_refused $(cl_counter_sum $i '^store_refused$')"
	i=$((i + 1))
done

it_run ctl n1 put "$KEY" honest-value
[ "$RC" = 0 ] || fail "honest put of $KEY on n1 after 8 sources filled the key failed (exit $RC): $(it_peek "$ERR")"
note "honest put: $(tr '\n' ' ' <"$OUT")"
ev=0
i=0
while [ $i -le $N ]; do
	ev=$((ev + $(cl_counter_sum $i '^quota_evicted_key$')))
	i=$((i + 1))
done
note "quota_evicted_key over the cluster: $ev"
[ "$ev" -gt 0 ] || fail "the full key took the honest value without evicting: was it full?"
assert_exit 0 ctl n2 get "$KEY"
grep -qxF honest-value "$OUT" ||
    fail "get of $KEY on n2 did not return the honest value among $(wc -l <"$OUT") values"
cluster_stop 0 $N
