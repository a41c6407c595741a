#!/bin/sh
# test_cluster_ipv6.sh — nodes on the IPv6 loopback ([::1], each on its own
# port) join, answer ping, and store and find values (including a 32 KiB one,
# so fragments and NACK-able messages travel over IPv6) across the cluster.
. "$(dirname "$0")/lib.sh"

grep -q '00000000000000000000000000000001' /proc/net/if_inet6 2>/dev/null ||
    skip "no IPv6 loopback address ::1 on this machine"

# start_node keeps a node's port in $T/NAME/port: choose it first, so the
# IPv6 --listen (which overrides lib.sh's 127.0.0.1 default) uses it too.
start_v6() {
	local name=$1 port
	shift
	mkdir -p "$(node_dir "$name")"
	port=$(it_pick_port) || fail "no free UDP port"
	echo "$port" >"$(node_dir "$name")/port"
	start_node "$name" --listen "[::1]:$port" "$@"
}

start_v6 n0
boot="[::1]:$(node_port n0)"
i=1
while [ $i -lt 4 ]; do
	start_v6 "n$i" --bootstrap "$boot"
	i=$((i + 1))
done

# Joined: every node knows the other three (bounded wait).
n=0
while :; do
	ok=1
	for i in 0 1 2 3; do
		it_run ctl "n$i" --json status
		peers=$(json_get "$OUT" peers)
		[ "${peers:-0}" -ge 3 ] || ok=0
	done
	[ $ok = 1 ] && break
	n=$((n + 1))
	[ $n -lt "$IT_POLL_COUNT" ] || fail "IPv6 nodes did not all see 3 peers (n$i has ${peers:-0})"
	sleep 0.05
done

# Addresses in the routing table are IPv6, never 0.0.0.0 or ::.
assert_exit 0 ctl n1 peers
assert_grep "$OUT" '\[::1\]:[0-9]+' "peers of n1 list [::1] addresses"
grep -qE '0\.0\.0\.0|\[::\]' "$OUT" && fail "peers of n1 list an unspecified address"

assert_exit 0 ctl n2 ping "[::1]:$(node_port n3)"
it_run ctl n3 --json status
id3=$(json_get "$OUT" node_id)
it_run ctl n2 ping "[::1]:$(node_port n3)"
assert_grep "$OUT" "^$id3 " "ping over IPv6 prints n3's id"

assert_exit 0 ctl n1 put six "over ipv6"
assert_exit 0 ctl n3 get six
assert_eq "over ipv6" "$(cat "$OUT")" "value put through n1, read through n3"

head -c 32768 /dev/urandom >"$T/big"
assert_exit 0 ctl n0 put big - <"$T/big"
assert_exit 0 ctl n2 get big
head -c 32768 "$OUT" >"$T/got"
assert_cmp "$T/big" "$T/got" "32 KiB value over IPv6"

for i in 0 1 2 3; do
	stop_node "n$i"
done
exit 0
