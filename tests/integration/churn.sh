# churn.sh — sourced by the churn, rejoin, kill -9 loop and packet loss
# tests on top of cluster.sh: background put writers that log what emoctl
# acknowledged, victim selection and small time helpers.

. "$(dirname "$0")/cluster.sh"

CHURN_NW=0		# writers started so far; numbers their keys
CHURN_WRITER_LIMIT_S=$((600 * IT_SLOW))	# a writer never outlives this

# churn_ms_to_s MS: prints MS milliseconds as seconds for sleep(1).
churn_ms_to_s() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

# churn_writer_start NAME TAG: a background writer putting unique raw keys
# through NAME, one emoctl at a time, until $T/writers.stop appears.  Each
# put acknowledged with exit 0 is appended as "HEXKEY VALUE" to
# $T/acked.TAG (one write per line, so a line is on disk before the next
# put starts); the exit status of each other put goes to $T/refused.TAG.
churn_writer_start() {
	local name="$1" tag="$2" id
	CHURN_NW=$((CHURN_NW + 1))
	id=$CHURN_NW
	: >"$T/acked.$tag"
	: >"$T/refused.$tag"
	(
		trap - EXIT INT TERM HUP
		n=0
		end=$(($(date +%s) + CHURN_WRITER_LIMIT_S))
		while [ ! -e "$T/writers.stop" ] && [ "$(date +%s)" -lt $end ]; do
			key=$(printf 'c0ffee%02x%056x' "$id" "$n")
			val="w$id-$n"
			ctl "$name" -x put "$key" "$val" >/dev/null 2>>"$T/writer.$tag.err"
			rc=$?
			if [ $rc = 0 ]; then
				echo "$key $val" >>"$T/acked.$tag"
			else
				echo "$rc" >>"$T/refused.$tag"
				sleep 0.05
			fi
			n=$((n + 1))
		done
	) &
	track_pid $!
	echo $! >>"$T/writers"
}

# churn_writers_stop: asks every writer to stop after its current put and
# waits (bounded) for them; a writer still there is killed (it is ours).
churn_writers_stop() {
	local n=0 pid alive max
	[ -f "$T/writers" ] || return 0
	: >"$T/writers.stop"
	max=$(((IT_CTL_LIMIT + 10) * 20))
	while [ $n -lt $max ]; do
		alive=0
		for pid in $(cat "$T/writers"); do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.05
		n=$((n + 1))
	done
	for pid in $(cat "$T/writers"); do
		kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null &&
		    note "writer $pid did not stop; sent SIGTERM"
	done
	rm -f "$T/writers" "$T/writers.stop"
}

# churn_acked TAG: number of acknowledged puts of the writers TAG.*.
churn_acked() {
	cat "$T"/acked."$1".* 2>/dev/null | wc -l | tr -d ' '
}

# churn_refused TAG: puts of the writers TAG.* that did not exit 0, as
# "N (exit CODE: COUNT, ...)".
churn_refused() {
	cat "$T"/refused."$1".* 2>/dev/null | sort | uniq -c |
	    awk '{ n += $1; s = s sep "exit " $2 ": " $1; sep = ", " }
		END { printf "%d%s", n, n ? " (" s ")" : "" }'
}

# churn_pick COUNT FROM TO [EXCLUDE...]: COUNT distinct random numbers in
# FROM..TO, none of EXCLUDE, one per line.
churn_pick() {
	"$PYTHON" -c 'import random, sys
c, lo, hi = map(int, sys.argv[1:4])
ex = set(map(int, sys.argv[4:]))
pool = [i for i in range(lo, hi + 1) if i not in ex]
for i in random.sample(pool, c):
    print(i)' "$@"
}
