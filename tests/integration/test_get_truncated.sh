#!/bin/sh
# test_get_truncated.sh — a key holding more than one control frame carries
# (1,600 values of 32 KiB = 52 MB > 48 MiB): emoctl get prints the oldest
# values that fit, says on stderr that it is truncated and where to
# continue, exits 0; --json says so too; paging with --since reaches every
# value exactly once (emoctl(1), docs/SECURITY.md "Gets and pages").
. "$(dirname "$0")/lib.sh"
need_python

N=1600
mkdir -p "$(node_dir a)"
echo "max_values_per_key = 2000" >"$(node_dir a)/conf"
start_node a

"$PYTHON" "$(dirname "$0")/ctlraw.py" "$(node_sock a)" putmany big $N 32768 \
    >"$OUT" 2>"$ERR" || fail "putting $N values: $(cat "$ERR")"

# Page 1: the oldest that fit, then a note on stderr.
assert_exit 0 ctl a get big
cut -c1-8 "$OUT" >"$T/page1"
n1=$(wc -l <"$T/page1")
[ "$n1" -gt 1000 ] && [ "$n1" -lt $N ] || fail "first page has $n1 values"
assert_grep "$ERR" '^emoctl: truncated: at least [0-9]+ more values; continue with --since [0-9]+$' "stderr of a truncated get"
since=$(sed -n 's/.*--since \([0-9]*\)$/\1/p' "$ERR")
more=$(sed -n 's/.*at least \([0-9]*\) more.*/\1/p' "$ERR")
assert_eq $((N - n1)) "$more" "values left out"

# --json: an object with the flag, the cut and the values.
assert_exit 0 ctl a --json get big
assert_eq true "$(json_get "$OUT" truncated)" "json truncated"
assert_eq "$since" "$(json_get "$OUT" next_since_ms)" "json next_since_ms"
"$PYTHON" -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["values"]))' "$OUT" >"$T/jn"
assert_eq "$n1" "$(cat "$T/jn")" "json value count"

# Page 2, since the cut: the rest, complete (no note), exit 0.
assert_exit 0 ctl a get big --since "$since"
[ ! -s "$ERR" ] || fail "second page says: $(cat "$ERR")"
cut -c1-8 "$OUT" >"$T/page2"
seq -f '%08g' 0 $((N - 1)) >"$T/expect"
sort "$T/page1" "$T/page2" >"$T/all"
assert_cmp "$T/expect" "$T/all" "both pages together (each value once)"

# A complete answer stays a plain JSON array.
assert_exit 0 ctl a --json get big --since "$since"
"$PYTHON" -c 'import json, sys
assert isinstance(json.load(open(sys.argv[1])), list)' "$OUT" ||
    fail "a complete --json answer is not an array"
stop_node a
