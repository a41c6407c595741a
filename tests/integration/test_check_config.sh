#!/bin/sh
# test_check_config.sh — `emod --check-config` refuses what start-up would
# refuse (so that systemd's ExecStartPre catches it): a listen host name,
# an address not of this host, a socket_group naming no group, a data
# directory or socket directory that cannot be created, a socket path that
# is a directory or a regular file.  For each, emod itself refuses too,
# and a good configuration passes both.
. "$(dirname "$0")/lib.sh"

port=$(it_pick_port) || fail "no free UDP port"
touch "$T/plainfile"
mkdir -p "$T/adir"

# both WHAT ERE ARGS...: --check-config exits 1 naming the problem (ERE),
# and emod started with the same arguments refuses to start.
n=0
both() {
	local what="$1" re="$2"
	shift 2
	assert_exit 1 timeout 10 "$EMOD" "$@" --check-config
	assert_grep "$ERR" "$re" "--check-config's message for $what"
	[ ! -s "$OUT" ] || fail "--check-config printed settings for $what"
	n=$((n + 1))
	expect_refusal "bad$n" "$@"
}

D="$T/data"
S="$T/emod.sock"
both "a host name" "listen localhost:$port: not a numeric" \
    --listen "localhost:$port" --data-dir "$D" --socket "$S"
both "an address not of this host" "listen 192\.0\.2\.1:$port: not an address of this host" \
    --listen "192.0.2.1:$port" --data-dir "$D" --socket "$S"
printf 'socket_group = emo-no-such-group-%s\n' "$$" >"$T/group.conf"
both "an unknown socket_group" "socket_group: no group named emo-no-such-group" \
    --config "$T/group.conf" --listen "127.0.0.1:$port" --data-dir "$D" --socket "$S"
both "a data_dir under a file" "data_dir $T/plainfile/data" \
    --listen "127.0.0.1:$port" --data-dir "$T/plainfile/data" --socket "$S"
both "a socket under a file" "socket $T/plainfile" \
    --listen "127.0.0.1:$port" --data-dir "$D" --socket "$T/plainfile/emod.sock"
both "a socket path that is a directory" "socket $T/adir exists and is a directory" \
    --listen "127.0.0.1:$port" --data-dir "$D" --socket "$T/adir"
both "a socket path that is a regular file" "regular file" \
    --listen "127.0.0.1:$port" --data-dir "$D" --socket "$T/plainfile"
assert_grep "$(node_log bad$n)" "is a regular file, not a socket" "emod's own message"

# A good configuration: passes, creates nothing, and emod then starts.
assert_exit 0 timeout 10 "$EMOD" --listen "127.0.0.1:$port" --data-dir "$T/a/data" \
    --socket "$T/a.sock" --check-config
assert_grep "$OUT" "^listen = 127\.0\.0\.1:$port$" "--check-config's settings"
[ ! -e "$T/a/data" ] || fail "--check-config created the data directory"
mkdir -p "$T/a"
echo "$port" >"$T/a/port"
start_node a
# With the port taken by the running node, --check-config only notes it.
assert_exit 0 timeout 10 "$EMOD" --listen "127.0.0.1:$port" --data-dir "$T/b" \
    --socket "$T/b.sock" --check-config
assert_grep "$ERR" "in use now" "--check-config on a port in use"
stop_node a
