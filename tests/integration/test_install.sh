#!/bin/sh
# test_install.sh — `make install DESTDIR=... PREFIX=/usr` lays out the
# binaries, the configuration, the systemd unit (paths filled in, rated 2.0
# or better by systemd-analyze security), man pages and bash completion;
# a second install keeps an edited configuration; `make uninstall` removes
# what install put there.
. "$(dirname "$0")/lib.sh"

top=$(cd "$IT_LIB_DIR/../.." && pwd)
cd "$top" || fail "cannot cd to $top"
command -v make >/dev/null 2>&1 || skip "make is not installed"
dest="$T/root"
mk() {
	make --no-print-directory -s "$@" DESTDIR="$dest" PREFIX=/usr
}

assert_exit 0 mk install
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null) ||
    unitdir=/lib/systemd/system
[ -n "$unitdir" ] || unitdir=/lib/systemd/system

# check_file PATH MODE: PATH exists under $dest with MODE (octal).
check_file() {
	[ -f "$dest$1" ] || fail "make install did not create $1"
	m=$(stat -c %a "$dest$1")
	[ "$m" = "$2" ] || fail "$1 has mode $m, expected $2"
}

check_file /usr/sbin/emod 755
check_file /usr/bin/emoctl 755
check_file /etc/emo/emod.conf 644
check_file "$unitdir/emod.service" 644
check_file /usr/share/bash-completion/completions/emoctl 644
assert_cmp conf/emod.conf "$dest/etc/emo/emod.conf" "installed emod.conf"

# The installed binaries run, and the installed configuration is valid.
assert_exit 0 "$dest/usr/sbin/emod" --version
assert_exit 0 "$dest/usr/bin/emoctl" --help
assert_exit 0 "$dest/usr/sbin/emod" --config "$dest/etc/emo/emod.conf" \
    --data-dir /var/lib/emo --socket /run/emo/emod.sock --check-config
assert_grep "$OUT" '^data_dir = /var/lib/emo$' "emod --check-config output"

# Every man page, in its section's directory.
n=0
for m in docs/man/*.[158]; do
	[ -f "$m" ] || continue
	s=${m##*.}
	check_file "/usr/share/man/man$s/${m##*/}" 644
	n=$((n + 1))
done
for m in man1/emoctl.1 man5/emod.conf.5 man8/emod.8; do
	[ -f "$dest/usr/share/man/$m" ] || fail "man page $m was not installed"
done

# The unit: paths substituted for this PREFIX, nothing left to fill in.
unit="$dest$unitdir/emod.service"
if grep -n '@[A-Za-z_]*@' "$unit" >"$T/left"; then
	fail "placeholders left in the installed unit: $(cat "$T/left")"
fi
assert_grep "$unit" '^Type=notify$' "emod.service"
assert_grep "$unit" '^ExecStart=/usr/sbin/emod --config /etc/emo/emod\.conf( |$)' "emod.service ExecStart"
assert_grep "$unit" '^ExecStartPre=/usr/sbin/emod --config /etc/emo/emod\.conf .*--check-config' "emod.service ExecStartPre"
assert_grep "$unit" '^ExecReload=/bin/kill -HUP \$MAINPID$' "emod.service ExecReload"
assert_grep "$unit" '^WatchdogSec=' "emod.service"
assert_grep "$unit" '^CPUSchedulingPolicy=batch$' "emod.service (sched_batch)"
for k in StateDirectory RuntimeDirectory ConfigurationDirectory; do
	assert_grep "$unit" "^$k=emo\$" "emod.service $k"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	# --threshold counts tenths: 20 is an exposure of 2.0.
	it_run systemd-analyze security --offline=yes --threshold=20 "$unit"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$OUT")
	[ "$RC" = 0 ] || fail "systemd-analyze security rates emod.service ${score:-?} (exit $RC), above 2.0:
$(grep '✗' "$OUT" | head -n 20)"
	note "systemd-analyze security: exposure $score"
else
	note "systemd-analyze not installed; exposure level not checked"
fi

# The sysusers entry, once the Makefile installs one.
if [ -f systemd/emod.sysusers ] && grep -q sysusers Makefile; then
	sudir=$(pkg-config --variable=sysusersdir systemd 2>/dev/null)
	[ -n "$sudir" ] || sudir=/usr/lib/sysusers.d
	ls "$dest$sudir"/*.conf >/dev/null 2>&1 ||
	    fail "no sysusers.d entry under $sudir"
fi

# A second install leaves an edited configuration alone.
echo "# edited by the administrator" >>"$dest/etc/emo/emod.conf"
cp "$dest/etc/emo/emod.conf" "$T/edited"
assert_exit 0 mk install
assert_cmp "$T/edited" "$dest/etc/emo/emod.conf" "emod.conf after a second install"

# Uninstall removes the programs, the unit, the pages and the completion.
assert_exit 0 mk uninstall
for f in /usr/sbin/emod /usr/bin/emoctl "$unitdir/emod.service" \
    /usr/share/bash-completion/completions/emoctl \
    /usr/share/man/man1/emoctl.1 /usr/share/man/man5/emod.conf.5 \
    /usr/share/man/man8/emod.8; do
	[ ! -e "$dest$f" ] || fail "make uninstall left $f behind"
done
note "installed and removed $n man pages, binaries, unit and completion"
