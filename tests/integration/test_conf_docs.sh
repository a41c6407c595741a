#!/bin/sh
# test_conf_docs.sh — the keys `emod --check-config` prints (the conf table),
# the keys in the shipped conf/emod.conf and the keys documented in
# docs/man/emod.conf.5 are one set; the defaults the shipped file shows are
# the built-in ones and load back as written; every man page in docs/man
# renders without groff warnings.  Run from the repo root with EMOD set.
# Exit 0 on success, 1 on failure.

set -u

: "${EMOD:=$(pwd)/build/emod}"
CONF=conf/emod.conf
MAN5=docs/man/emod.conf.5
fail=0

T=$(mktemp -d "${TMPDIR:-/tmp}/emo-confdocs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

bad() {
	echo "FAIL: $*"
	fail=1
}

# conf_keys FILE: the key of each "key = ..." or "# key = ..." line.
conf_keys() {
	grep -E '^(# ?)?[a-z][a-z0-9_]* =( |$)' "$1" |
	    sed -E 's/^(# ?)?([a-z][a-z0-9_]*) =.*/\2/'
}

# man_keys FILE: the ".B key" tag line of each .TP item under .SH KEYS.
man_keys() {
	awk '/^\.SH/ { inkeys = ($2 == "KEYS") }
	    inkeys && prev == ".TP" && $1 == ".B" && NF == 2 { print $2 }
	    { prev = $0 }' "$1"
}

# same_set NAME-A FILE-A NAME-B FILE-B: each key of A must be in B, and
# the other way round; a key listed twice is an error too.
same_set() {
	LC_ALL=C sort "$2" >"$T/a"
	LC_ALL=C sort "$4" >"$T/b"
	for k in $(uniq -d "$T/a"); do bad "key '$k' appears twice in $1"; done
	for k in $(uniq -d "$T/b"); do bad "key '$k' appears twice in $3"; done
	LC_ALL=C sort -u "$2" >"$T/a"
	LC_ALL=C sort -u "$4" >"$T/b"
	for k in $(LC_ALL=C comm -23 "$T/a" "$T/b"); do
		bad "key '$k' is in $1 but missing from $3"
	done
	for k in $(LC_ALL=C comm -13 "$T/a" "$T/b"); do
		bad "key '$k' is in $3 but missing from $1"
	done
}

for f in "$CONF" "$MAN5"; do
	[ -f "$f" ] || { echo "FAIL: $f is missing (run from the repo root)"; exit 1; }
done
[ -x "$EMOD" ] || { echo "FAIL: EMOD=$EMOD is not an executable"; exit 1; }

# The shipped file is all comments, so it yields the built-in defaults
# whatever configuration is installed on this machine.
if ! timeout 30 "$EMOD" --config "$CONF" --check-config >"$T/printed" \
    2>"$T/err"; then
	bad "$EMOD --config $CONF --check-config failed: $(head -n 5 "$T/err")"
fi
conf_keys "$T/printed" >"$T/k_printed"
conf_keys "$CONF" >"$T/k_conf"
man_keys "$MAN5" >"$T/k_man"
[ -s "$T/k_printed" ] || bad "emod --check-config printed no keys"
[ -s "$T/k_man" ] || bad "$MAN5 documents no keys (.TP then .B key under .SH KEYS)"
same_set "emod --check-config" "$T/k_printed" "$CONF" "$T/k_conf"
same_set "emod --check-config" "$T/k_printed" "$MAN5" "$T/k_man"

# Each "# key = default" of the shipped file is what emod prints by
# default; data_dir and socket depend on the user and the environment.
grep -E '^# [a-z][a-z0-9_]* =( |$)' "$CONF" | sed 's/^# //' |
    grep -v '^bootstrap = (none)$' >"$T/documented"
while IFS= read -r line; do
	case $line in
	"data_dir ="*|"socket ="*) continue ;;
	esac
	grep -qxF "$line" "$T/printed" ||
	    bad "$CONF shows '$line' but emod prints" \
		"'$(grep -E "^${line%% =*} =" "$T/printed")'"
done <"$T/documented"

# Uncommented, the same lines load and print back unchanged.
sed -E 's/^# ([a-z][a-z0-9_]* =( .*)?)$/\1/' "$CONF" |
    grep -v '^bootstrap = (none)$' >"$T/uncommented.conf"
if timeout 30 "$EMOD" --config "$T/uncommented.conf" --check-config \
    >"$T/printed2" 2>"$T/err"; then
	while IFS= read -r line; do
		grep -qxF "$line" "$T/printed2" ||
		    bad "'$line' from $CONF does not print back as written"
	done <"$T/documented"
else
	bad "$CONF with every key uncommented does not load:" \
	    "$(head -n 5 "$T/err")"
fi

# Every man page renders without warnings.
if command -v man >/dev/null 2>&1; then
	for m in docs/man/*.[1-9]; do
		[ -f "$m" ] || continue
		if ! LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings \
		    -E UTF-8 -l -Tutf8 -Z "$m" >/dev/null 2>"$T/manerr"; then
			bad "man $m failed: $(head -n 5 "$T/manerr")"
		elif [ -s "$T/manerr" ]; then
			bad "man --warnings $m:"
			sed 's/^/    /' "$T/manerr"
		fi
	done
else
	bad "man is not installed (needed to check docs/man)"
fi

if [ $fail = 0 ]; then
	echo "conf docs: $(wc -l <"$T/k_printed") keys agree;" \
	    "man pages render cleanly"
	exit 0
fi
exit 1
