#!/bin/sh
# test_identity.sh — node identities: DATA_DIR/node.key is made on first
# start (64 bytes, mode 0600), the node ID is Keccak-256 of the public key
# that status shows, the same ID after a restart, an old node_id file is
# ignored with a word in the log, and a bad node.key (mode 0644, 10 bytes)
# stops the start with a message naming the fault and a nonzero exit.
. "$(dirname "$0")/lib.sh"
need_python

mkdir -p "$(node_data a)"
echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
    >"$(node_data a)/node_id"
start_node a
key="$(node_data a)/node.key"
[ -f "$key" ] || fail "no node.key after the first start"
assert_eq 600 "$(stat -c %a "$key")" "mode of node.key"
assert_eq 64 "$(stat -c %s "$key")" "size of node.key"
assert_grep "$(node_log a)" "node_id is ignored"
assert_exit 0 ctl a --json status
cp "$OUT" "$T/first.json"
id1=$(json_get "$T/first.json" node_id)
pub=$(json_get "$T/first.json" public_key)
[ "${#pub}" = 64 ] || fail "status public_key is not 64 hex digits: '$pub'"
# The public key is the file's second half; the ID its Keccak-256.
assert_eq "$pub" "$(tail -c 32 "$key" | od -An -tx1 | tr -d ' \n')" \
    "status public_key against node.key"
[ "$id1" != 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ] ||
    fail "the old node_id file was used"
assert_exit 0 ctl a status
assert_grep "$OUT" "^public_key +$pub\$"

stop_node a
start_node a
assert_exit 0 ctl a --json status
assert_eq "$id1" "$(json_get "$OUT" node_id)" "node_id after a restart"
assert_eq "$pub" "$(json_get "$OUT" public_key)" "public_key after a restart"
stop_node a

chmod 644 "$key"
expect_refusal a --config "$(node_dir a)/conf" --data-dir "$(node_data a)" \
    --listen "127.0.0.1:$(node_port a)" --socket "$(node_sock a)"
assert_grep "$(node_log a)" "node.key.*644"
assert_grep "$(node_log a)" "chmod 600"

head -c 10 /dev/urandom >"$T/short.key"
rm -f "$key"
cp "$T/short.key" "$key"
chmod 600 "$key"
expect_refusal a --config "$(node_dir a)/conf" --data-dir "$(node_data a)" \
    --listen "127.0.0.1:$(node_port a)" --socket "$(node_sock a)"
assert_grep "$(node_log a)" "node.key: 10 bytes; a key file is exactly 64"

# A key whose ID misses a higher id_difficulty: refused, saying so.
rm -f "$key"
start_node a
stop_node a
echo "id_difficulty = 32" >"$(node_dir a)/conf"
expect_refusal a --config "$(node_dir a)/conf" --data-dir "$(node_data a)" \
    --listen "127.0.0.1:$(node_port a)" --socket "$(node_sock a)"
assert_grep "$(node_log a)" "id_difficulty is 32"
exit 0
