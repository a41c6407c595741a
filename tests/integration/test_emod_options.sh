#!/bin/sh
# test_emod_options.sh — emod --version and --help exit 0 and print to
# stdout; -v starts a working node.
. "$(dirname "$0")/lib.sh"

assert_exit 0 timeout 10 "$EMOD" --version
assert_grep "$OUT" '[0-9]+\.[0-9]+' "emod --version output"

assert_exit 0 timeout 10 "$EMOD" --help
[ -s "$OUT" ] || fail "emod --help printed nothing on stdout (stderr: $(it_peek "$ERR"))"
for opt in --listen --bootstrap --data-dir --socket --config --storage --check-config; do
	assert_grep "$OUT" "$opt" "emod --help output"
done

# Verbose logging on a real node.
start_node v -v
assert_exit 0 ctl v put k v
stop_node v
[ -s "$(node_log v)" ] || fail "emod -v logged nothing"
