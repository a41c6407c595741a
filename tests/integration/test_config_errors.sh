#!/bin/sh
# test_config_errors.sh — bad config files and options stop emod with exit 1
# and a message naming FILE:LINE or the option, before it opens anything.
. "$(dirname "$0")/lib.sh"

port=$(it_pick_port) || fail "no free UDP port"
D="$T/never-data"
S="$T/never.sock"

# refused NAME WHAT EMOD-ARGS...: emod must exit 1 at once, leaving no data
# dir, no socket and no bound port behind.
refused() {
	local name="$1" what="$2"
	shift 2
	expect_refusal "$name" "$@"
	assert_eq 1 "$(node_rc "$name")" "exit status for $what"
	[ ! -e "$D" ] || fail "$what: emod created the data dir before failing"
	[ ! -e "$S" ] || fail "$what: emod created the socket before failing"
	[ -s "$(node_log "$name")" ] || fail "$what: emod said nothing"
}

# Unknown key on line 3.
cat >"$T/unknown.conf" <<'CONF'
# a comment, then a blank line

no_such_key = 1
CONF
refused unknown "an unknown key" --config "$T/unknown.conf" \
    --listen "127.0.0.1:$port" --data-dir "$D" --socket "$S"
assert_grep "$(node_log unknown)" "$T/unknown.conf:3" "message for an unknown key"

# The same through --check-config, which opens nothing either way.
assert_exit 1 timeout 10 "$EMOD" --config "$T/unknown.conf" --check-config
grep -qF "$T/unknown.conf:3" "$ERR" ||
    fail "--check-config does not report $T/unknown.conf:3: $(it_peek "$ERR")"

# A line without '=' on line 2.
printf '# ok\nthis line has no equals sign\n' >"$T/noeq.conf"
refused noeq "a line without =" --config "$T/noeq.conf" \
    --listen "127.0.0.1:$port" --data-dir "$D" --socket "$S"
assert_grep "$(node_log noeq)" "$T/noeq.conf:2" "message for a line without ="

# A missing config file names the file.
refused missing "a missing config file" --config "$T/does-not-exist.conf" \
    --listen "127.0.0.1:$port" --data-dir "$D" --socket "$S"
assert_grep "$(node_log missing)" "$T/does-not-exist.conf" "message for a missing config file"

# A comment-only config passes --check-config.
printf '# nothing\n\n   # indented comment\n' >"$T/empty.conf"
assert_exit 0 timeout 10 "$EMOD" --config "$T/empty.conf" --check-config \
    --data-dir "$D" --socket "$S"
[ ! -e "$D" ] || fail "--check-config created the data dir"

# Bad --listen values name the option.
echo "# empty" >"$T/ok.conf"
n=0
for bad in nonsense 127.0.0.1:0 127.0.0.1:65536 127.0.0.1:99999 \
    127.0.0.1:-1 :abc "[::1" ""; do
	n=$((n + 1))
	refused "listen$n" "--listen '$bad'" --config "$T/ok.conf" \
	    --listen "$bad" --data-dir "$D" --socket "$S"
	assert_grep "$(node_log "listen$n")" 'listen' "message for --listen '$bad'"
done

# Other bad options.
refused badstorage "--storage bogus" --config "$T/ok.conf" --listen "127.0.0.1:$port" \
    --data-dir "$D" --socket "$S" --storage bogus
assert_grep "$(node_log badstorage)" 'storage' "message for --storage bogus"
refused badboot "--bootstrap garbage" --config "$T/ok.conf" --listen "127.0.0.1:$port" \
    --data-dir "$D" --socket "$S" --bootstrap garbage
assert_grep "$(node_log badboot)" 'bootstrap' "message for --bootstrap garbage"
refused unknownopt "an unknown option" --config "$T/ok.conf" --listen "127.0.0.1:$port" \
    --data-dir "$D" --socket "$S" --no-such-option
refused stray "a stray argument" --config "$T/ok.conf" --listen "127.0.0.1:$port" \
    --data-dir "$D" --socket "$S" stray-argument
refused noarg "--listen without a value" --config "$T/ok.conf" \
    --data-dir "$D" --socket "$S" --listen
