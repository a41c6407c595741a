#!/bin/sh
# test_kill9_loop.sh — one node under a stream of puts from 3 emoctl writers
# is killed with SIGKILL 5 times at random moments and restarted on the same
# data dir; every put that emoctl acknowledged (exit 0) is then read back
# with its value.  Once with the default settings, once with sync = yes.
. "$(dirname "$0")/churn.sh"

ROUNDS=5
WRITERS=3

# run_variant I LABEL [CONF LINE]: node nI alone, ROUNDS kills, then checks.
run_variant() {
	local i="$1" label="$2" name r w v pause before after acked puts syncs
	name=$(cl_name "$i")
	if [ $# -ge 3 ]; then
		cl_conf "$i" "$3"
		it_run "$EMOD" --config "$(node_dir "$name")/conf" --check-config
		assert_grep "$OUT" "^ *$3 *$" "emod --check-config with '$3'"
	fi
	cl_start "$i"
	w=1
	while [ $w -le $WRITERS ]; do
		churn_writer_start "$name" "$label.$w"
		w=$((w + 1))
	done

	puts=0
	syncs=0
	before=0
	r=1
	while [ $r -le $ROUNDS ]; do
		# A random moment 0.3 to 1.5 s (times the slowdown) after the start.
		pause=$((300 + $(it_rand16) % 1200))
		sleep "$(churn_ms_to_s $((pause * IT_SLOW)))"
		# Counters die with the process: read them just before the kill.
		puts=$((puts + $(cl_counter_sum "$i" '^puts$' || echo 0)))
		syncs=$((syncs + $(cl_counter_sum "$i" '^store_syncs$' || echo 0)))
		kill9_node "$name"
		after=$(churn_acked "$label")
		note "$label round $r: SIGKILL after $pause ms, $after puts acknowledged so far"
		[ "$after" -gt "$before" ] ||
		    fail "$label round $r: no put was acknowledged between the restart and the kill $pause ms later ($(churn_refused "$label") refused)"
		# The last kill happens under load too; writers stop before the check.
		[ $r = $ROUNDS ] && churn_writers_stop
		cat "$T"/acked."$label".* >"$T/snap.$label"
		cl_start "$i"
		before=$(churn_acked "$label")
		# What was acknowledged before this kill is back at once.
		it_run cl_load get "$i" "$T/snap.$label" 32
		[ "$RC" = 0 ] || fail "$label round $r: $(wc -l <"$T/load.failed") of $(wc -l <"$T/snap.$label") acknowledged puts lost by the kill:
$(head -n 10 "$T/load.failed")
$(cat "$OUT" "$ERR")"
		r=$((r + 1))
	done

	acked=$(churn_acked "$label")
	[ "$acked" -ge $((ROUNDS * 5)) ] ||
	    fail "$label: only $acked puts were acknowledged in $ROUNDS rounds; the stream of puts was too thin to test anything"
	cat "$T"/acked."$label".* >"$T/acked.$label"
	note "$label: $acked puts acknowledged, $(churn_refused "$label") refused or cut off by the kills; counters read just before each kill add up to $puts puts, $syncs store_syncs"
	it_run cl_load get "$i" "$T/acked.$label" 32
	[ "$RC" = 0 ] || fail "$label: $(wc -l <"$T/load.failed") of $acked acknowledged puts lost after $ROUNDS kills:
$(head -n 10 "$T/load.failed")
$(cat "$OUT" "$ERR")"
	note "$label: all $acked acknowledged values read back ($(cat "$OUT"))"
	# Each key was put once, so the store holds at least one value per ack.
	v=$(cl_values "$i")
	[ "${v:-0}" -ge "$acked" ] ||
	    fail "$label: status reports ${v:-?} values, $acked were acknowledged"
	if [ $# -ge 3 ]; then
		[ "$syncs" -gt 0 ] ||
		    fail "$label: store_syncs stayed 0 over $puts puts with '$3'"
	fi
	cluster_stop "$i" "$i"
}

run_variant 0 default
run_variant 1 sync "sync = yes"
