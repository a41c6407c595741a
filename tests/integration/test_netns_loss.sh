#!/bin/sh
# test_netns_loss.sh — real packet loss: a 10-node cluster on the loopback
# of a private network namespace whose nftables input hook drops 5% of UDP
# at random; 100 keys (20 of them 16 KiB) put through one node must all
# come back, exactly, through two others.  Skipped (exit 77, with the
# reason) unless it runs as root with working `ip netns` and nftables.
#
# The script runs twice: the outer run creates the namespace, runs itself
# inside it with EMO_NETNS_INNER set and always deletes it afterwards, so
# every emod, emoctl and lib.sh check (ports, PIDs) lives in the namespace;
# the Unix sockets in the temp dir work across namespaces anyway.

if [ -z "${EMO_NETNS_INNER:-}" ]; then
	set -u
	ns_skip() {
		echo "SKIP: real packet loss test needs root, ip netns and nftables: $*"
		exit 77
	}
	[ "$(id -u)" = 0 ] || ns_skip "not running as root (uid $(id -u))"
	for c in ip nft; do
		command -v $c >/dev/null 2>&1 || ns_skip "$c is not installed"
	done
	NS=emo-test-$$
	NS_ERR=$(mktemp "${TMPDIR:-/tmp}/emo-ns.XXXXXX") || exit 1
	ip netns add "$NS" 2>"$NS_ERR" || {
		e=$(head -c 300 "$NS_ERR")
		rm -f "$NS_ERR"
		ns_skip "ip netns add $NS failed: $e"
	}
	ns_cleanup() {
		rc=$?
		trap - EXIT INT TERM HUP
		if ! ip netns del "$NS" 2>/dev/null; then
			echo "FAIL: could not delete network namespace $NS" >&2
			rc=1
		fi
		rm -f "$NS_ERR"
		exit $rc
	}
	trap ns_cleanup EXIT
	trap 'exit 1' INT TERM HUP
	{
		ip netns exec "$NS" ip link set lo up &&
		ip netns exec "$NS" nft add table inet emo &&
		ip netns exec "$NS" nft add chain inet emo in \
		    '{ type filter hook input priority 0; }'
	} 2>"$NS_ERR" || ns_skip "cannot set up $NS: $(head -c 300 "$NS_ERR")"
	dir=$(cd "$(dirname "$0")" && pwd)
	# ip execs the inner run in place, so $! is the inner sh.  A signal
	# to this run alone reaches it too, and the namespace goes only after
	# the inner run has stopped its nodes (its own waits are bounded).
	EMO_NETNS_INNER=$NS ip netns exec "$NS" sh "$dir/$(basename "$0")" </dev/null &
	inner=$!
	trap 'kill -TERM $inner 2>/dev/null; wait $inner; exit 1' INT TERM HUP
	wait $inner
	exit $?
fi

. "$(dirname "$0")/churn.sh"

N=9			# n0..n9
KEYS=100
BIG=20			# of KEYS, with 16 KiB values
LOSS_PCT=5

cluster_start 0 $N
cluster_wait_peers 6 0 $N
note "in namespace $EMO_NETNS_INNER: $((N + 1)) nodes, peers $(cluster_peer_stats 0 $N) (min/median/max)"

# Counters over every node: "name total" for the ones worth reporting.
counters_sum() {
	local i=0
	: >"$T/sum.in"
	while [ $i -le $N ]; do
		cl_counters $i >>"$T/sum.in" || echo "status_failed 1" >>"$T/sum.in"
		i=$((i + 1))
	done
	awk '/^(rpc_timeouts|rpc_retries|frag_nacks_sent|rx_dropped_[a-z]*|udp_rx_packets|udp_tx_packets|udp_tx_dropped|put_errors|status_failed) / \
	    { s[$1] += $2 } END { for (k in s) printf "%s %d\n", k, s[k] }' \
	    "$T/sum.in" | sort
}
counters_sum >"$T/counters.before"

nft add rule inet emo in meta l4proto udp numgen random mod 100 '<' $LOSS_PCT counter drop ||
    fail "nft add rule failed inside $EMO_NETNS_INNER"
nft_dropped() {
	nft list chain inet emo in | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n 1
}

"$PYTHON" - "$T/keys" $KEYS $BIG <<'PY' || fail "cannot write the key file"
import os, sys
path, n, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    for i in range(n):
        v = os.urandom(8192).hex() if i % (n // big) == 0 else "loss-%d-%s" % (i, os.urandom(4).hex())
        f.write("%s %s\n" % (os.urandom(32).hex(), v))
PY
nbig=$(awk 'length($2) == 16384' "$T/keys" | wc -l)
[ "$nbig" = $BIG ] || fail "key file has $nbig 16 KiB values, expected $BIG"

report() {
	local d tx tx0
	counters_sum >"$T/counters.after"
	d=$(nft_dropped)
	tx=$(sed -n 's/^udp_tx_packets //p' "$T/counters.after")
	tx0=$(sed -n 's/^udp_tx_packets //p' "$T/counters.before")
	tx=$((${tx:-0} - ${tx0:-0}))
	note "nftables dropped ${d:-?} of $tx UDP packets sent ($(awk -v d="${d:-0}" -v t="$tx" \
	    'BEGIN { printf "%.1f", t ? 100 * d / t : 0 }')%); counter totals over all nodes (before -> after):"
	join -a 2 "$T/counters.before" "$T/counters.after" |
	    awk '{ if (NF == 3) printf "#   %s %d -> %d\n", $1, $2, $3; else printf "#   %s -> %d\n", $1, $2 }'
}

t0=$(now_ms)
it_run cl_load put 1 "$T/keys" 16
t1=$(now_ms)
if [ "$RC" != 0 ]; then
	report
	fail "with $LOSS_PCT% loss, $(wc -l <"$T/load.failed") of $KEYS puts through n1 failed ($(cat "$OUT" "$ERR")):
$(head -n 10 "$T/load.failed")"
fi
note "puts through n1 with $LOSS_PCT% loss: $(cat "$OUT") in $((t1 - t0)) ms"

bad=""
for r in 8 4; do
	t0=$(now_ms)
	it_run cl_load get $r "$T/keys" 16
	t1=$(now_ms)
	if [ "$RC" != 0 ]; then
		n=$(wc -l <"$T/load.failed")
		note "gets through n$r: $n of $KEYS failed ($((n * 100 / KEYS))%): $(cat "$OUT" "$ERR")"
		head -n 10 "$T/load.failed" | sed 's/^/#   /'
		bad="$bad n$r:$n/$KEYS"
	else
		note "gets through n$r with $LOSS_PCT% loss: $(cat "$OUT") in $((t1 - t0)) ms"
	fi
done
report
dropped=$(nft_dropped)
[ "${dropped:-0}" -gt 0 ] || fail "the nftables rule dropped nothing: the test did not test loss"
[ -z "$bad" ] || fail "with $LOSS_PCT% UDP loss, failed gets:$bad"
