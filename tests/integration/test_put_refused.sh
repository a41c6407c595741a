#!/bin/sh
# test_put_refused.sh — a put its peers refuse says so: with the only peer
# holding quota_values_per_key = 3, the fourth value from one node under
# one key is "stored on this node only: 1 peer refused it (...)", exit 4,
# not "no peer answered"; another key still reaches the peer.
. "$(dirname "$0")/lib.sh"

mkdir -p "$(node_dir b)"
echo "quota_values_per_key = 3" >"$(node_dir b)/conf"
start_node b
start_node a --bootstrap "127.0.0.1:$(node_port b)"
n=0
while [ $n -lt $((100 * IT_SLOW)) ]; do
	ctl a put probe v >/dev/null 2>&1 && break
	sleep 0.1
	n=$((n + 1))
done
assert_exit 0 ctl a put other v1
for i in 1 2; do
	assert_exit 0 ctl a put k "v$i"
	assert_grep "$OUT" "2 nodes acknowledged" "put $i under k"
done
assert_exit 0 ctl a put k v3
assert_exit 4 ctl a put k v4
assert_grep "$ERR" "stored on this node only: 1 peer refused it \(a full store or a storage quota" \
    "the fourth value under k"
assert_exit 0 ctl a put other2 v
assert_grep "$OUT" "2 nodes acknowledged" "a put under another key"
stop_node a
stop_node b
