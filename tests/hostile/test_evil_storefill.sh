#!/bin/sh
# test_evil_storefill.sh — a peer fills one key with junk at the key's
# closest nodes (issue "Among strangers", storage quotas): evilpeer gets a
# write token properly (FIND_NODE of the key) and STOREs 2,000 junk values
# under one key at each of a 5-node cluster's nodes, first from one source
# address, then from one more with no token at all (its STOREs proven by
# the cookie the FIND_NODE's answer gave it, as a put's last step is: the
# same quota must hold), then from 8 (127.0.0.100-107).  The nodes run with
# limit_local = yes (loopback sources count like public ones) and
# quota_total_bytes = 128K (about 645 small values), so both the per-source
# key quota and eviction of the heaviest source are met.  After each round
# an honest `emoctl put` on n1 must be found by `emoctl get` on n3, honest
# keys put before the attack must all still come back, and the quota
# counters must show the refusals and evictions.
. "$(dirname "$0")/evil.sh"

N=4		# n0..n4: every node is among the k = 20 closest of any key
JUNK=2000
PER_KEY=256	# quota_values_per_key, the default
KEY_A=evil-storefill-a
KEY_B=evil-storefill-b
KEY_C=evil-storefill-c

i=0
while [ $i -le $N ]; do
	cl_conf $i "limit_local = yes" "quota_total_bytes = 128K"
	i=$((i + 1))
done
t0=$(now_ms)
cluster_start 0 $N
cluster_wait_peers $N 0 $N
targets=""
i=0
while [ $i -le $N ]; do
	targets="$targets --target $(cl_addr $i)"
	i=$((i + 1))
done

# Honest keys stored before the attack.
cl_keyfile "$T/honest.keys" 20 before
cl_load put 0 "$T/honest.keys" >"$T/load.out" ||
    fail "honest puts before the attack: $(cat "$T/load.out") $(head -n 3 "$T/load.failed")"

# sum_counter ERE: that counter summed over every node.
sum_counter() {
	local i=0 s=0 v
	while [ $i -le $N ]; do
		v=$(cl_counter_sum $i "$1") || fail "status of n$i failed"
		s=$((s + v))
		i=$((i + 1))
	done
	echo $s
}

# honest_round KEY VALUE: put on n1, get on n3, the value must be there.
honest_round() {
	assert_exit 0 ctl n1 put "$1" "$2"
	note "honest put of $1 on n1: $(tr '\n' ' ' <"$OUT")"
	assert_exit 0 ctl n3 get "$1"
	grep -qxF -- "$2" "$OUT" ||
	    fail "get of $1 on n3 did not return the honest value '$2' among $(wc -l <"$OUT") values"
	note "get of $1 on n3: the honest value among $(wc -l <"$OUT") values"
}

# ---- round 1: one source --------------------------------------------------
evil_run junk1 --store-junk "$KEY_A" --count $JUNK $targets --seconds 60
tokens=$(evil_field junk1 tokens)
stored=$(evil_field junk1 stored)
sent=$(evil_field junk1 values_sent)
[ "$tokens" = $((N + 1)) ] || fail "evilpeer got $tokens write tokens from $((N + 1)) nodes"
[ "$sent" = $((JUNK * (N + 1))) ] || fail "evilpeer sent $sent values, expected $((JUNK * (N + 1)))"
[ "$stored" -gt 0 ] || fail "no junk value was stored: the attack did not run"
[ "$stored" -le $((PER_KEY * (N + 1))) ] ||
    fail "one source stored $stored values under one key on $((N + 1)) nodes (quota: $PER_KEY each)"
ref_key=$(sum_counter '^quota_refused_key$')
note "round 1 (one source): $stored of $sent junk values stored, quota_refused_key $ref_key"
[ "$ref_key" -ge $((sent - stored)) ] ||
    fail "quota_refused_key is $ref_key, evilpeer saw $((sent - stored)) values refused"
honest_round "$KEY_A" "honest-value-a"

# ---- round 1b: one source, no token (the cookie proves it) -----------------
ref0=$(sum_counter '^quota_refused_(key|source|full)$')
evil_run junkc --store-junk "$KEY_C" --count $JUNK $targets --no-token \
    --from-ips 127.0.0.99-99 --seconds 60
storedc=$(evil_field junkc stored)
sentc=$(evil_field junkc values_sent)
[ "$sentc" = $((JUNK * (N + 1))) ] || fail "evilpeer (no token) sent $sentc values, expected $((JUNK * (N + 1)))"
[ "$(evil_field junkc err_token)" = 0 ] ||
    fail "$(evil_field junkc err_token) STOREs proven by cookie drew 'bad token'"
[ "$storedc" -gt 0 ] || fail "no junk value was stored by cookie: the attack did not run"
[ "$storedc" -le $((PER_KEY * (N + 1))) ] ||
    fail "one source stored $storedc values under one key on $((N + 1)) nodes by cookie (quota: $PER_KEY each)"
ref1=$(sum_counter '^quota_refused_(key|source|full)$')
note "round 1b (one source, cookie, no token): $storedc of $sentc junk values stored, quota_refused_* $ref0 -> $ref1"
[ $((ref1 - ref0)) -ge $((sentc - storedc)) ] ||
    fail "quota_refused_* grew by $((ref1 - ref0)), evilpeer saw $((sentc - storedc)) values refused"
honest_round "$KEY_C" "honest-value-c"

# ---- round 2: eight sources -----------------------------------------------
ev0=$(sum_counter '^quota_evicted$')
evil_run junk2 --store-junk "$KEY_B" --count $JUNK $targets \
    --from-ips 127.0.0.100-107 --seconds 60
stored2=$(evil_field junk2 stored)
sent2=$(evil_field junk2 values_sent)
[ "$(evil_field junk2 tokens)" = $((8 * (N + 1))) ] ||
    fail "evilpeer got $(evil_field junk2 tokens) tokens, expected $((8 * (N + 1)))"
[ "$stored2" -gt 0 ] || fail "no junk value was stored from 8 sources"
ev1=$(sum_counter '^quota_evicted$')
refused=$(sum_counter '^quota_refused_(key|source|full)$')
note "round 2 (8 sources): $stored2 of $sent2 junk values acknowledged, quota_evicted $ev0 -> $ev1, quota_refused_* $refused"
[ "$ev1" -gt "$ev0" ] || fail "quota_evicted did not move ($ev0 -> $ev1) with the store past quota_total_bytes"
i=0
while [ $i -le $N ]; do
	v=$(cl_values $i)
	note "n$i holds ${v:-?} values"
	i=$((i + 1))
done
honest_round "$KEY_B" "honest-value-b"

# The honest keys stored before the attack all come back, from n4.
cl_load get 4 "$T/honest.keys" >"$T/load.out" ||
    fail "honest keys after the attack: $(cat "$T/load.out") $(head -n 3 "$T/load.failed")"
note "$(cat "$T/load.out")"
i=0
while [ $i -le $N ]; do
	node_alive "n$i"
	i=$((i + 1))
done
note "done in $(( ($(now_ms) - t0) / 1000 )) s"
cluster_stop 0 $N
