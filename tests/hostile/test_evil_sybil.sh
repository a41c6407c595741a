#!/bin/sh
# test_evil_sybil.sh — Sybils on few addresses cannot fill a routing table.
# In a network namespace of its own, with 198.18.0.0/15 (benchmarking
# addresses, public to addr.c) routed to its loopback, a victim emod
# (198.18.0.1, limit_local = yes) meets two evilpeer --sybil crowds:
#   20 node IDs on one IP (198.18.1.1, 20 ports), and
#   50 node IDs on one /24 (198.18.2.1-50),
# each ID sharing exactly j mod 8 bits with the victim's ID (one Sybil per
# bucket in turn), and
#   20 random node IDs on another /24 (198.19.3.1-20): about half of them
#   fall in bucket 0, where the per-bucket /24 limit binds,
# each PINGing the victim and answering its admission ping under that ID
# with a valid identity proof (evilpeer --keyed: real key pairs; the
# victim runs id_difficulty = 0 so that IDs in chosen buckets cost
# evilpeer 2^(j+1) key pairs, not 2^(j+11)); and
#   20 claimed node IDs (no key behind them) on a third /24
#   (198.19.4.1-20), whose identity proofs fail.
# Then the victim's table (`emoctl peers`) must keep docs/SECURITY.md's
# limits: <= 2 entries per IP, <= 10 per /24, <= 2 per /24 in one bucket
# (bucket: common prefix length of the two IDs), and hold none of the
# claimed IDs (counted in id_proof_bad).  Skipped
# (exit 77, with the reason) unless root with working `ip netns`.
#
# The script runs twice, as test_netns_loss.sh: the outer run creates the
# namespace, runs itself inside it with EMO_NETNS_INNER set and always
# deletes the namespace afterwards.

if [ -z "${EMO_NETNS_INNER:-}" ]; then
	set -u
	ns_skip() {
		echo "SKIP: Sybil test needs root and ip netns: $*"
		exit 77
	}
	[ "$(id -u)" = 0 ] || ns_skip "not running as root (uid $(id -u))"
	command -v ip >/dev/null 2>&1 || ns_skip "ip (iproute2) is not installed"
	NS=emo-sybil-$$
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
		ip netns exec "$NS" ip route add local 198.18.0.0/15 dev lo \
		    table local
	} 2>"$NS_ERR" || ns_skip "cannot set up $NS: $(head -c 300 "$NS_ERR")"
	dir=$(cd "$(dirname "$0")" && pwd)
	EMO_NETNS_INNER=$NS ip netns exec "$NS" sh "$dir/$(basename "$0")" </dev/null &
	inner=$!
	trap 'kill -TERM $inner 2>/dev/null; wait $inner; exit 1' INT TERM HUP
	wait $inner
	exit $?
fi

. "$(dirname "$0")/evil.sh"

cl_ip() { printf '198.18.0.%s' $((1 + $1)); }
SECS=$((15 * IT_SLOW))

cl_conf 0 "limit_local = yes" "id_difficulty = 0"
cl_start 0
vid=$(cl_id 0)
[ ${#vid} = 64 ] || fail "no node id from the victim's status"
port=$(it_pick_port) || fail "no free UDP port"
[ "$port" -le 29900 ] || port=$((port - 100))
evil_start ip --sybil --keyed --difficulty 0 --listen-range 198.18.1.1 --per-ip 20 --port "$port" \
    --spread-from "$vid" --target "$(cl_addr 0)" --seconds $SECS
evil_start net --sybil --keyed --difficulty 0 --listen-range 198.18.2.1-50 --port "$port" \
    --spread-from "$vid" --target "$(cl_addr 0)" --seconds $SECS
evil_start rnd --sybil --keyed --difficulty 0 --listen-range 198.19.3.1-20 \
    --port "$port" --target "$(cl_addr 0)" --seconds $SECS
evil_start claim --sybil --listen-range 198.19.4.1-20 --port "$port" \
    --target "$(cl_addr 0)" --seconds $SECS
evil_wait ip
evil_wait net
evil_wait rnd
evil_wait claim
[ "$(evil_field claim claims)" -ge 1 ] ||
    fail "no identity challenge reached the claimed IDs: the test did not attack"
[ "$(evil_field ip ids)" = 20 ] && [ "$(evil_field net ids)" = 50 ] ||
    fail "evilpeer ran $(evil_field ip ids) and $(evil_field net ids) IDs, not 20 and 50"

ctl n0 --json peers >"$T/peers" || fail "emoctl peers failed"
"$PYTHON" - "$T/peers" "$vid" >"$T/check" 2>&1 <<'PY'
import json, sys
peers = json.load(open(sys.argv[1]))
me = int(sys.argv[2], 16)
per_ip, per_net, per_net_bucket = {}, {}, {}
for p in peers:
    ip = p["address"].rsplit(":", 1)[0]
    net = ip.rsplit(".", 1)[0]
    bucket = 256 - (int(p["id"], 16) ^ me).bit_length()
    per_ip[ip] = per_ip.get(ip, 0) + 1
    per_net[net] = per_net.get(net, 0) + 1
    per_net_bucket[(net, bucket)] = per_net_bucket.get((net, bucket), 0) + 1
one_ip = per_ip.get("198.18.1.1", 0)
one_net = per_net.get("198.18.2", 0)
rnd_net = per_net.get("198.19.3", 0)
claim_net = per_net.get("198.19.4", 0)
buckets = sorted(b for (n, b) in per_net_bucket if n == "198.18.2")
rnd = sorted((b, c) for (n, b), c in per_net_bucket.items() if n == "198.19.3")
print("table: %d entries; 20 IDs on one IP hold %d; 50 spread IDs on one /24 "
      "hold %d (buckets %s); 20 random IDs on one /24 hold %d ((bucket, "
      "entries) %s); 20 claimed IDs hold %d; most per IP %d, per /24 %d, "
      "per /24 in a bucket %d"
      % (len(peers), one_ip, one_net, buckets, rnd_net, rnd, claim_net,
         max(per_ip.values() or [0]), max(per_net.values() or [0]),
         max(per_net_bucket.values() or [0])))
bad = []
if claim_net > 0:
    bad.append("%d claimed IDs (no key) hold table entries" % claim_net)
if max(per_ip.values() or [0]) > 2:
    bad.append("more than 2 entries at one IP: %r" % per_ip)
if max(per_net.values() or [0]) > 10:
    bad.append("more than 10 entries in one /24: %r" % per_net)
if max(per_net_bucket.values() or [0]) > 2:
    bad.append("more than 2 entries of one /24 in one bucket: %r" % per_net_bucket)
# The attack must have reached the table, or the limits proved nothing.
if one_ip < 1 or one_net < 3 or rnd_net < 2:
    bad.append("the Sybils barely got in (%d, %d, %d): the test did not attack"
               % (one_ip, one_net, rnd_net))
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
rc=$?
while read -r l; do note "$l"; done <"$T/check"
[ $rc = 0 ] || fail "the victim's table breaks the IP limits, or was not attacked"
bad_proofs=$(cl_counter_sum 0 '^id_proof_bad$')
[ "$bad_proofs" -ge 1 ] || fail "the victim counted no bad identity proof (id_proof_bad $bad_proofs)"
note "victim: id_proofs_ok $(cl_counter_sum 0 '^id_proofs_ok$') id_proof_bad $bad_proofs"
note "victim: route_refused_ip $(cl_counter_sum 0 '^route_refused_ip$') route_refused_prefix $(cl_counter_sum 0 '^route_refused_prefix$') admit_pings $(cl_counter_sum 0 '^admit_pings$') admit_limited $(cl_counter_sum 0 '^admit_limited$')"
node_alive n0
stop_node n0
