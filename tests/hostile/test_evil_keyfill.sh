#!/bin/sh
# test_evil_keyfill.sh — enough sources fill one key at every node that
# holds it, with the default quotas: evilpeer STOREs 2,000 junk values
# under one key from 8 loopback sources (limit_local = yes: each address
# is a source) at each node of a 3-node cluster.  Each source stays within
# its own quota (256 values a key), but 8 x 250 passes the store's
# max_values_per_key (1,024), which nothing evicts from.  Then an honest
# `emoctl put` of that key on n1 must succeed and `emoctl get` on n2 must
# return it.  (Known open in docs/SECURITY.md, "Storage quotas": this test
# fails until a full key evicts from its heaviest source.)
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

evil_run junk --store-junk "$KEY" --count 2000 $targets \
    --from-ips 127.0.0.100-107 --seconds 60
[ "$(evil_field junk tokens)" = $((8 * (N + 1))) ] ||
    fail "evilpeer got $(evil_field junk tokens) tokens, expected $((8 * (N + 1)))"
i=0
while [ $i -le $N ]; do
	note "n$i holds $(cl_values $i) values, quota_refused_key $(cl_counter_sum $i '^quota_refused_key$')"
	i=$((i + 1))
done

it_run ctl n1 put "$KEY" honest-value
[ "$RC" = 0 ] || fail "honest put of $KEY on n1 after 8 sources filled the key failed (exit $RC): $(it_peek "$ERR")
  (docs/SECURITY.md, Storage quotas, open: the store's max_values_per_key is not evicted from)"
note "honest put: $(tr '\n' ' ' <"$OUT")"
assert_exit 0 ctl n2 get "$KEY"
grep -qxF honest-value "$OUT" ||
    fail "get of $KEY on n2 did not return the honest value among $(wc -l <"$OUT") values"
cluster_stop 0 $N
