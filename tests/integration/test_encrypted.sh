#!/bin/sh
# test_encrypted.sh — issue 10, "Encrypted" and "At rest".  put
# --encrypt-to on one node, get --decrypt from another: the value comes
# back, the nodes hold only the envelope; a wrong recipient key opens
# nothing and says so (exit 1); a bad PUBKEY and bad key files exit 2 with
# their messages; a value too long to encrypt names the limit.  A node
# with storage_key_file: put, restart, get; no plaintext in its files; a
# record altered through LevelDB's API (keytool flip) is counted in
# store_tampered, logged and not served while the others are; emod refuses
# to start without the key, with another key, with a bad key file and
# with storage = memory.
. "$(dirname "$0")/lib.sh"

: "${KEYTOOL:=$(pwd)/build/tests/keytool}"
[ -x "$KEYTOOL" ] || skip "no $KEYTOOL: run make $KEYTOOL"
need_python

# counter NAME KEY: one counter of NAME's status.
counter() {
	assert_exit 0 ctl "$1" --json status
	"$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["counters"][sys.argv[2]])' "$OUT" "$2"
}

alice=$("$KEYTOOL" keygen "$T/alice.key") || fail "keytool keygen alice"
bob=$("$KEYTOOL" keygen "$T/bob.key") || fail "keytool keygen bob"
(umask 077 && head -c 32 /dev/urandom >"$T/store.key") || fail "store.key"
(umask 077 && head -c 32 /dev/urandom >"$T/other.key") || fail "other.key"

# ---- encrypted values between two nodes ----
start_node a
start_node b --bootstrap "127.0.0.1:$(node_port a)"
n=0
while :; do
	assert_exit 0 ctl b --json status
	[ "$(json_get "$OUT" peers)" -ge 1 ] && break
	[ $n -lt 200 ] || fail "b did not join a within 10 s"
	sleep 0.05
	n=$((n + 1))
done

assert_exit 0 ctl b put --encrypt-to "$alice" letter "meet at noon"
assert_grep "$OUT" '2 nodes acknowledged' "the encrypted put"
assert_exit 0 ctl a get --decrypt "$T/alice.key" letter
assert_eq "meet at noon" "$(cat "$OUT")" "get --decrypt on the other node"
[ -s "$ERR" ] && fail "get --decrypt said something on stderr: $(it_peek "$ERR")"
# What the nodes hold: the envelope, not the text.
assert_exit 0 ctl a get --raw letter
[ "$(head -c 4 "$OUT" | od -An -c | tr -d ' ')" = 'EMO001' ] ||
    fail "the stored value does not start with EMO 0x01: $(it_peek "$OUT" 8)"
[ "$(wc -c <"$OUT")" -eq $((12 + 52)) ] ||
    fail "the stored value is $(wc -c <"$OUT") bytes, expected 12 + 52"
grep -q "meet at noon" "$OUT" && fail "the plaintext is in the stored value"

# The wrong recipient: nothing opens, exit 1, and it says how many.
assert_exit 1 ctl a get --decrypt "$T/bob.key" letter
assert_grep "$ERR" "1 value under the key could not be decrypted with $T/bob.key" \
    "get --decrypt with bob's key"
[ -s "$OUT" ] && fail "get --decrypt with the wrong key printed: $(it_peek "$OUT")"
assert_exit 1 ctl a --json get --decrypt "$T/bob.key" letter
assert_eq "[]" "$(cat "$OUT")" "--json get --decrypt with the wrong key"

# Mixed values under one key: the one for alice, a plain one, one for bob.
assert_exit 0 ctl b put letter "plain text"
assert_exit 0 ctl b put --encrypt-to "$bob" letter "for bob"
assert_exit 0 ctl a get --decrypt "$T/alice.key" letter
assert_eq "meet at noon" "$(cat "$OUT")" "alice's values among others"
assert_grep "$ERR" "2 values under the key could not be decrypted with" \
    "the count of the others"
assert_exit 0 ctl b --json get --decrypt "$T/bob.key" letter
assert_eq "for bob" "$("$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))[0]["value"])' "$OUT")" "--json get --decrypt"
# Binary-safe, from stdin, at the limit: 32716 bytes.
head -c 32716 /dev/urandom >"$T/big"
assert_exit 0 ctl b put --encrypt-to "$alice" big - <"$T/big"
assert_exit 0 ctl a get --decrypt "$T/alice.key" -o "$T/big.out" big
assert_cmp "$T/big" "$T/big.out" "a 32716-byte encrypted value"
head -c 32717 /dev/urandom >"$T/big2"
assert_exit 2 ctl b put --encrypt-to "$alice" big - <"$T/big2"
assert_grep "$ERR" 'over 32716 bytes, the limit for an encrypted value' "too long"

# Bad public keys.
assert_exit 2 ctl a put --encrypt-to 1234 k v
assert_grep "$ERR" "invalid --encrypt-to '1234': not 64 hex digits" "short PUBKEY"
assert_exit 2 ctl a put --encrypt-to "$(echo "$alice" | tr 0-9a-f g-v)" k v
assert_grep "$ERR" "not 64 hex digits" "non-hex PUBKEY"
zero=0000000000000000000000000000000000000000000000000000000000000000
assert_exit 2 ctl a put --encrypt-to "$zero" k v
assert_grep "$ERR" 'not a valid Ed25519 public key' "PUBKEY off the curve"

# Bad key files: missing, readable by others, wrong size.
assert_exit 2 ctl a get --decrypt "$T/nothere.key" letter
assert_grep "$ERR" "--decrypt: $T/nothere.key: No such file or directory" "missing key file"
cp "$T/alice.key" "$T/open.key" && chmod 644 "$T/open.key"
assert_exit 2 ctl a get --decrypt "$T/open.key" letter
assert_grep "$ERR" 'mode 0644 lets group or others read it' "key file mode"
(umask 077 && head -c 10 /dev/urandom >"$T/short.key")
assert_exit 2 ctl a get --decrypt "$T/short.key" letter
assert_grep "$ERR" '10 bytes; a key file is exactly 64' "key file size"
stop_node b
stop_node a

# ---- encryption at rest: a node alone ----
mkdir -p "$(node_dir c)"
echo "storage_key_file = $T/store.key" >"$(node_dir c)/conf"
start_node c
secret="ZEBRA-at-rest-$$-visible-only-to-emod"
for v in one two three; do
	assert_exit 0 ctl c put rest "$secret-$v"
done
assert_exit 0 ctl c put rest2 "$secret-four"
assert_exit 0 ctl c put --permanent perm "$secret-perm"
stop_node c
grep -rq "ZEBRA-at-rest-$$" "$(node_data c)" &&
    fail "plaintext of a value found in c's data directory"
start_node c
assert_exit 0 ctl c get rest
assert_eq 3 "$(grep -c "^$secret-" "$OUT")" "values under rest after a restart"
assert_exit 0 ctl c get perm
assert_eq "$secret-perm" "$(cat "$OUT")" "the permanent value after a restart"
assert_eq 0 "$(counter c store_tampered)" "store_tampered before any damage"
stop_node c

# One bit of one record's stored bytes, through LevelDB's own API.
"$KEYTOOL" flip "$(node_data c)" || fail "keytool flip"
start_node c
got=0
for k in rest rest2 perm; do
	it_run ctl c get "$k"
	[ "$RC" = 0 ] || [ "$RC" = 1 ] || fail "get $k exited $RC: $(it_peek "$ERR")"
	grep -q "ZEBRA" "$OUT" && got=$((got + $(grep -c "^$secret-" "$OUT")))
	[ "$(grep -vc "^$secret-" "$OUT")" -eq 0 ] ||
	    fail "get $k served something else: $(it_peek "$OUT")"
done
assert_eq 4 "$got" "values served after one record was altered (of 5)"
[ "$(counter c store_tampered)" -ge 1 ] || fail "store_tampered did not count the altered record"
assert_grep "$(node_log c)" 'failed authentication' "c's log"
node_alive c
stop_node c

# refuse NAME: NAME's emod, with its conf, data and port, must not start.
refuse() {
	expect_refusal "$1" --config "$(node_dir "$1")/conf" \
	    --listen "127.0.0.1:$(node_port "$1")" --data-dir "$(node_data "$1")" \
	    --socket "$(node_sock "$1")"
}

# Refusals at start.
echo "# no key" >"$(node_dir c)/conf"
refuse c
assert_grep "$(node_log c)" 'is encrypted at rest: set storage_key_file' "start without the key"
echo "storage_key_file = $T/other.key" >"$(node_dir c)/conf"
refuse c
assert_grep "$(node_log c)" 'does not open the store in .*encrypted with another key' \
    "start with another key"
chmod 644 "$T/other.key"
echo "storage_key_file = $T/store.key" >"$(node_dir c)/conf"
chmod 644 "$T/store.key"
refuse c
assert_grep "$(node_log c)" "storage_key_file $T/store.key: mode 0644" "a key file readable by others"
chmod 600 "$T/store.key"
printf 'storage = memory\nstorage_key_file = %s\n' "$T/store.key" >"$(node_dir c)/conf"
refuse c
assert_grep "$(node_log c)" 'storage = memory keeps nothing on disk' "storage = memory with a key"
# And an unencrypted store does not take a key.
mkdir -p "$(node_dir d)"
start_node d
assert_exit 0 ctl d put plain value
stop_node d
echo "storage_key_file = $T/store.key" >"$(node_dir d)/conf"
refuse d
assert_grep "$(node_log d)" 'written without encryption at rest' "a key for a plain store"
