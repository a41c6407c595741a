#!/bin/sh
# test_docs_claims.sh — what the operator documentation claims, checked:
# every counter named in docs/OPERATIONS.md, README and the man pages is a
# counter of `emoctl status`; every file in a data directory is in the
# backup table of OPERATIONS.md and in FILES of emod(8); a bootstrap list
# changed in emod.conf is applied by SIGHUP (OPERATIONS.md, emod(8)); SIGHUP
# sets back a level set with `emoctl log` (emoctl(1)); `emoctl --json
# peers` gives last_seen_ago_ms, an age (emoctl(1)); `make install` with
# PREFIX=/usr/local gives a unit whose --config agrees with
# ConfigurationDirectory= (or has none), with PREFIX=/usr one that has it,
# and installs the sysusers entry that OPERATIONS.md lists.
. "$(dirname "$0")/lib.sh"
need_python

top=$(cd "$IT_LIB_DIR/../.." && pwd)
[ -f "$top/docs/OPERATIONS.md" ] || skip "no docs at $top"

# ---- two nodes: b joins a only once SIGHUP gives it a bootstrap list ------
start_node a
start_node b
assert_exit 0 ctl b --json status
assert_eq 0 "$(json_get "$OUT" peers)" "peers of b before the reload"
printf 'bootstrap = 127.0.0.1:%s\n' "$(node_port a)" >"$(node_dir b)/conf"
assert_exit 0 ctl b log debug
kill -HUP "$(node_pid b)"
n=0
while :; do
	ctl b --json status >"$T/st.json" 2>/dev/null &&
	    [ "$(json_get "$T/st.json" peers)" -ge 1 ] && break
	n=$((n + 1))
	[ $n -le $((100 * IT_SLOW)) ] || fail "b did not join through the bootstrap list SIGHUP gave it"
	sleep 0.1
done
assert_grep "$(node_log b)" "SIGHUP: bootstrap list now has 1 address" "b's log after SIGHUP"
# The level set with emoctl log is set back to the file's (info).
assert_grep "$(node_log b)" "SIGHUP: log_level is now info" "b's log level after SIGHUP"

# last_seen_ago_ms is an age: small, not a Unix time.
assert_exit 0 ctl b --json peers
"$PYTHON" - "$OUT" <<'PY' || fail "emoctl --json peers: last_seen_ago_ms is not an age: $(it_peek "$OUT")"
import json, sys
peers = json.load(open(sys.argv[1]))
assert peers, "no peers"
for p in peers:
    assert "last_seen_ms" not in p, p
    assert 0 <= p["last_seen_ago_ms"] < 600000, p
PY

# ---- counters named in the operator docs exist ----------------------------
assert_exit 0 ctl a --json status
cp "$OUT" "$T/status.json"
"$EMOD" --check-config >"$T/keys.txt" 2>/dev/null || fail "emod --check-config"
"$PYTHON" - "$T/status.json" "$T/keys.txt" "$top" <<'PY' || fail "a counter named in the docs does not exist"
import glob, json, os, re, sys
counters = set(json.load(open(sys.argv[1]))["counters"])
# "key = value", or "key =" for an empty one (storage_key_file).
keys = {l.split(" =")[0] for l in open(sys.argv[2]) if " =" in l}
top = sys.argv[3]
# Wire message names (rx_X counts messages X): named in the docs as such.
msgs = {c[3:] for c in counters if c.startswith(("rx_", "tx_"))}
families = {c.split("_")[0] for c in counters if "_" in c} | {"udp"}
files = [os.path.join(top, "docs/OPERATIONS.md"), os.path.join(top, "README")]
files += glob.glob(os.path.join(top, "docs/man/*.[158]"))
pat = re.compile(r"`([a-z][a-z0-9_]*\*?)`|\\fB([a-z][a-z0-9_]*\*?)\\f|"
                 r"^\.BR? ([a-z][a-z0-9_]*\*?)\b", re.M)
bad, seen = [], 0
for f in files:
    for m in pat.finditer(open(f).read()):
        t = next(g for g in m.groups() if g)
        if "_" not in t or t.split("_")[0] not in families:
            continue
        # JSON members of emoctl's answers that share a counter family.
        if t in keys or t in msgs or t in ("value_base64", "value_id"):
            continue
        seen += 1
        if t.endswith("*"):
            ok = any(c.startswith(t[:-1]) for c in counters)
        else:
            ok = t in counters
        if not ok:
            bad.append("%s: %s" % (os.path.relpath(f, top), t))
assert seen >= len(counters), "only %d counter names found in the docs" % seen
for b in bad:
    print("not a counter of emoctl status:", b)
sys.exit(1 if bad else 0)
PY

# ---- every file of a data directory is documented -------------------------
stop_node b
stop_node a
ls -A "$(node_data a)" >"$T/datafiles"
grep -qx peers "$T/datafiles" || fail "no peers file in a's data directory after it had a peer"
"$PYTHON" - "$T/datafiles" "$top" <<'PY' || fail "a data directory file is not documented"
import fnmatch, re, sys
files = open(sys.argv[1]).read().split()
top = sys.argv[2]
ops = open(top + "/docs/OPERATIONS.md").read()
table = ops[ops.index("## Backups"):]
table = table[table.index("| file |"):]
table = table[:table.index("\n\n")]
backup = re.findall(r"`([^`]+)`", table)
man = open(top + "/docs/man/emod.8").read()
sect = man[man.index(".SH FILES"):man.index(".SH EXIT STATUS")].replace("\\-", "-")
names = set()
for line in sect.splitlines():
    if line.startswith((".I ", ".IR ")):
        for w in re.findall(r'[^\s",]+', line.split(" ", 1)[1]):
            names.add(w.rsplit("/", 1)[-1])
bad = 0
for f in files:
    if not any(fnmatch.fnmatchcase(f, g) for g in backup):
        print("%s: not in the backup table of OPERATIONS.md" % f); bad = 1
    if not any(fnmatch.fnmatchcase(f, g) for g in names if g):
        print("%s: not in FILES of emod(8)" % f); bad = 1
sys.exit(bad)
PY

# ---- the installed unit: --config agrees with ConfigurationDirectory= -----
command -v make >/dev/null 2>&1 || skip "make is not installed (the rest passed)"
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null) ||
    unitdir=/lib/systemd/system
[ -n "$unitdir" ] || unitdir=/lib/systemd/system
sysusersdir=$(pkg-config --variable=sysusersdir systemd 2>/dev/null) ||
    sysusersdir=/usr/lib/sysusers.d
[ -n "$sysusersdir" ] || sysusersdir=/usr/lib/sysusers.d
for prefix in /usr/local /usr; do
	dest="$T/root$(echo "$prefix" | tr / _)"
	(cd "$top" && make --no-print-directory -s install DESTDIR="$dest" \
	    PREFIX="$prefix") >"$T/install.log" 2>&1 ||
	    fail "make install PREFIX=$prefix: $(tail -n 5 "$T/install.log")"
	unit="$dest$unitdir/emod.service"
	[ -f "$unit" ] || fail "no unit installed with PREFIX=$prefix"
	[ -f "$dest$sysusersdir/emo.conf" ] ||
	    fail "make install PREFIX=$prefix did not install $sysusersdir/emo.conf"
	"$PYTHON" - "$unit" "$prefix" <<'PY' || fail "PREFIX=$prefix: the unit's --config and ConfigurationDirectory= disagree"
import os, re, sys
unit, prefix = open(sys.argv[1]).read(), sys.argv[2]
confs = set(re.findall(r"--config (\S+)", unit))
assert len(confs) == 1, confs
conf = confs.pop()
etc = "/etc" if prefix == "/usr" else prefix + "/etc"
assert conf == etc + "/emo/emod.conf", conf
cd = re.findall(r"^ConfigurationDirectory=(\S+)", unit, re.M)
if prefix == "/usr":
    assert cd == ["emo"], cd
for d in cd:
    assert os.path.dirname(conf) == "/etc/" + d, (conf, d)
PY
done
assert_grep "$top/docs/OPERATIONS.md" '`\$SYSUSERSDIR/emo.conf`' "the install table of OPERATIONS.md"
