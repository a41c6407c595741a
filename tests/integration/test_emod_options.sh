#!/bin/sh
# test_emod_options.sh — emod --version and --help exit 0 and print to
# stdout; -v starts a working node; sched_batch sets the scheduling policy
# (and leaves one set from outside).
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

# sched_batch (emod.conf(5)): SCHED_BATCH (3) by default, SCHED_OTHER (0)
# with "no"; a policy set from outside, here SCHED_IDLE (5), is kept.
# Field 41 of /proc/PID/stat is the policy.  emod inherits ours: if this
# test itself runs under another policy, that one is what emod keeps.
policy() { awk '{ print $41 }' "/proc/$1/stat"; }
case $(policy $$) in
0|3) want_yes=3 want_no=0 ;;
*) want_yes=$(policy $$) want_no=$(policy $$)
   note "this test runs under policy $(policy $$): emod must keep it" ;;
esac
start_node b
[ "$(policy "$(node_pid b)")" = "$want_yes" ] ||
    fail "sched_batch = yes (default): policy $(policy "$(node_pid b)"), not $want_yes (SCHED_BATCH is 3)"
assert_exit 0 ctl b put k v
stop_node b
mkdir -p "$(node_dir o)"
echo "sched_batch = no" >"$(node_dir o)/conf"
start_node o
[ "$(policy "$(node_pid o)")" = "$want_no" ] ||
    fail "sched_batch = no: policy $(policy "$(node_pid o)"), not $want_no (SCHED_OTHER is 0)"
stop_node o
if command -v chrt >/dev/null 2>&1; then
	EMOD_REAL=$EMOD
	printf '#!/bin/sh\nexec chrt --idle 0 "%s" "$@"\n' "$EMOD_REAL" >"$T/emod-idle"
	chmod +x "$T/emod-idle"
	EMOD="$T/emod-idle" start_node i
	EMOD=$EMOD_REAL
	[ "$(policy "$(node_pid i)")" = 5 ] ||
	    fail "under chrt --idle: policy $(policy "$(node_pid i)"), not SCHED_IDLE (5)"
	assert_grep "$(node_log i)" 'sched_batch: scheduling policy 5 set from outside, left as it is' "emod log"
	stop_node i
else
	note "chrt not installed: a policy set from outside not checked"
fi
