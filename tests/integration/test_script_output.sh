#!/bin/sh
# test_script_output.sh — emoctl's output for scripts: get --latest, --raw,
# -0 and -o write exactly the value's bytes (binary with NUL bytes compared
# with cmp); --json prints [] for a missing key and JSON errors on stderr;
# an empty key is refused unless given as hex; --ttl takes the config
# file's units, and a TTL above max_ttl is refused naming the limit.
. "$(dirname "$0")/lib.sh"
need_python

d=$(node_dir a)
mkdir -p "$d"
echo "max_ttl = 2h" >"$d/conf"
start_node a

# Binary, NUL bytes inside and at both ends, no trailing newline.
{ printf '\000first\000'; head -c 2000 /dev/urandom; printf '\000'; } >"$T/v1"
{ printf '\000second\000\377'; head -c 3000 /dev/urandom; } >"$T/v2"
assert_exit 0 ctl a put bin - <"$T/v1"
sleep 0.01
assert_exit 0 ctl a put bin - <"$T/v2"

# --raw with two values is a usage error; with --latest, the newest bytes.
assert_exit 2 ctl a get --raw bin
[ ! -s "$OUT" ] || fail "--raw with two values wrote to stdout"
assert_grep "$ERR" "--latest" "the --raw usage error"
assert_exit 0 ctl a get --raw --latest bin
assert_cmp "$T/v2" "$OUT" "get --raw --latest"
# --latest alone: the newest value and the one newline emoctl adds.
assert_exit 0 ctl a get --latest bin
{ cat "$T/v2"; printf '\n'; } >"$T/expect"
assert_cmp "$T/expect" "$OUT" "get --latest"
# -0: each value followed by one NUL, oldest first.
assert_exit 0 ctl a get -0 bin
{ cat "$T/v1"; printf '\000'; cat "$T/v2"; printf '\000'; } >"$T/expect"
assert_cmp "$T/expect" "$OUT" "get -0"
# -o FILE: the newest value's bytes in FILE, nothing on stdout.
assert_exit 0 ctl a get -o "$T/file" bin
[ ! -s "$OUT" ] || fail "get -o wrote to stdout"
assert_cmp "$T/v2" "$T/file" "get -o FILE"
# --raw with one value needs no --latest.
printf 'x\000y' >"$T/one"
assert_exit 0 ctl a put one - <"$T/one"
assert_exit 0 ctl a get --raw one
assert_cmp "$T/one" "$OUT" "get --raw of a single value"
# Output options that contradict each other.
assert_exit 2 ctl a get --raw --json one
assert_exit 2 ctl a get -o "$T/x" --json one
[ ! -e "$T/x" ] || fail "get -o --json created the file"

# --json on a missing key: [] on stdout, exit 1, stderr empty; -o no file.
assert_exit 1 ctl a --json get never-stored
assert_eq "[]" "$(cat "$OUT")" "--json get of a missing key"
[ ! -s "$ERR" ] || fail "--json get of a missing key wrote to stderr: $(it_peek "$ERR")"
assert_exit 1 ctl a get -o "$T/missing" never-stored
[ ! -e "$T/missing" ] || fail "get -o of a missing key created the file"
# --json --latest: a one-element array.
assert_exit 0 ctl a --json get --latest bin
"$PYTHON" - "$OUT" "$T/v2" <<'PY' || fail "--json --latest is not the newest value"
import base64, json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1, v
assert base64.b64decode(v[0]["value_base64"]) == open(sys.argv[2], "rb").read()
PY

# With --json, every error is a JSON object on stderr.
jerr() {
	"$PYTHON" - "$ERR" "$@" <<'PY' || fail "stderr is not the JSON error expected: $(it_peek "$ERR")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
e = json.loads(lines[0])
assert isinstance(e["error"], str) and e["error"], e
for kv in sys.argv[2:]:
    k, want = kv.split("=", 1)
    assert want in str(e[k]), (k, e)
PY
}
assert_exit 2 ctl a --json get
jerr
assert_exit 2 ctl a --json --bogus get k
jerr "error=--bogus"
assert_exit 3 "$EMOCTL" --json --socket "$T/nowhere.sock" status
jerr "error=nowhere.sock"
assert_exit 2 ctl a --json put k v --ttl 3h
jerr "code=ERR_INVALID" "message=max_ttl of 7200 s" "command=put"

# An empty key: refused (exit 2) before emod is asked; as hex it is a key.
assert_exit 2 ctl a put "" v
assert_grep "$ERR" "empty key" "the empty key error"
assert_exit 2 ctl a get ""
assert_grep "$ERR" "hash ''" "the empty key error's hint"
empty=$("$EMOCTL" hash '') || fail "emoctl hash ''"
assert_exit 0 ctl a -x put "$empty" v-hex
assert_exit 0 ctl a -x get "$empty"
assert_eq "v-hex" "$(cat "$OUT")" "a put and get by hex key"

# --ttl: the config file's units; above max_ttl refused with the limit.
now=$(now_ms)
for t in 90s:90 10m:600 1h:3600 2h:7200 45:45; do
	assert_exit 0 ctl a --json put "ttl-$t" v --ttl "${t%%:*}"
	exp=$(json_get "$OUT" expires_ms)
	cr=$(json_get "$OUT" created_ms)
	assert_eq "$((${t#*:} * 1000))" "$((exp - cr))" "expiry of --ttl ${t%%:*}"
done
assert_exit 2 ctl a put k v --ttl 7d
assert_grep "$ERR" "max_ttl of 7200 s" "a TTL above max_ttl"
assert_exit 2 ctl a put k v --ttl 5x
assert_exit 2 ctl a put k v --ttl 0
assert_exit 2 ctl a put k v --ttl 1w
# The help says the same as the daemon: units and max_ttl.
assert_exit 0 "$EMOCTL" help put
assert_grep "$OUT" "90s, 10m, 1h, 7d" "emoctl help put"
assert_grep "$OUT" "max_ttl" "emoctl help put"
stop_node a
