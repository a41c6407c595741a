#!/bin/sh
# cluster-bench.sh — make bench, cluster part: N emod processes on loopback,
# each on its own 127.0.0.x address and port and bootstrapped from the
# first, loaded by bench_cluster; prints one table per cluster size.
#
# Env: EMOD, BENCHDIR (bench_cluster), EMOCTL; CB_NODES ("20 100"),
# CB_SMALL_OPS (2000), CB_LARGE_OPS (500), CB_INFLIGHT (32), CB_STORAGE
# (memory), CB_DEADLINE_S (per cluster size, 600), CB_KEEP=1 keeps logs,
# CB_EMOD_ARGS (more emod options for every node, e.g. "-v -v"),
# CB_PHASES (the load phases, "VALUE_BYTES IN_FLIGHT OPS,..."), CB_COUNTERS
# (status counters summed over the nodes after the run and
# printed, to stderr; "" for none), CB_SETTLE_S (0: seconds to wait after the join, so that join traffic is
# over before anything is measured), CB_RESULTS (a file: the raw rows and
# memory lines are appended to it, for bench-compare.sh).
# Asserts nothing about speed: exits non-zero only if it could not run.
# Only the PIDs it started are ever signalled.
set -u

: "${EMOD:=$(pwd)/build/emod}"
: "${EMOCTL:=$(pwd)/build/emoctl}"
: "${BENCHDIR:=$(pwd)/build/tests}"
CB_NODES=${CB_NODES:-20 100}
CB_SMALL_OPS=${CB_SMALL_OPS:-2000}
CB_LARGE_OPS=${CB_LARGE_OPS:-500}
CB_INFLIGHT=${CB_INFLIGHT:-32}
CB_STORAGE=${CB_STORAGE:-memory}
CB_DEADLINE_S=${CB_DEADLINE_S:-600}
CB_SETTLE_S=${CB_SETTLE_S:-0}
CB_COUNTERS=${CB_COUNTERS-rpc_timeouts rpc_retries rx_dropped_decode rx_dropped_unmatched udp_tx_dropped udp_tx_joined rx_bundles}
CB_RESULTS=${CB_RESULTS:-}
# The load phases, "VALUE_BYTES IN_FLIGHT OPS" separated by commas.
CB_PHASES=${CB_PHASES:-100 $CB_INFLIGHT $CB_SMALL_OPS,16384 $CB_INFLIGHT $CB_LARGE_OPS,100 1 $((CB_SMALL_OPS / 10)),16384 1 $((CB_LARGE_OPS / 5))}
CB_MAX_NODES=200		# 127.0.0.10 .. 127.0.0.209
CB_BATCH=20			# nodes spawned before waiting for them
CB_CLIENT_NODES=4		# nodes that take puts, and (others) gets
BC="$BENCHDIR/bench_cluster"

for b in "$EMOD" "$EMOCTL" "$BC"; do
	[ -x "$b" ] || { echo "cluster-bench: $b missing (make all bench)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/emo-cb.XXXXXX) || exit 1
: >"$tmp/pids"

# ---- processes ---------------------------------------------------------

# True if PID is an emod we started (guards against PID reuse).
cb_ours() {
	[ -r "/proc/$1/cmdline" ] &&
	    { tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null | head -n 1 |
	    grep -qxF -- "$EMOD"
}

# Our child PID is running (not exited, not a zombie).  Unlike cb_ours, this
# holds between fork and exec too, while /proc/PID/cmdline is still the
# shell's: the wait below must not take that window for an exit.
cb_alive() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case "$st" in
	''|Z*|X*) return 1 ;;
	esac
}

cb_stop_all() {
	local pid n=0 alive
	for pid in $(cat "$tmp/pids"); do
		cb_ours "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	while [ $n -lt 100 ]; do
		alive=0
		for pid in $(cat "$tmp/pids"); do
			cb_ours "$pid" && { alive=1; break; }
		done
		[ $alive = 0 ] && break
		sleep 0.1
		n=$((n + 1))
	done
	for pid in $(cat "$tmp/pids"); do
		cb_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	: >"$tmp/pids"
}

cb_cleanup() {
	trap - EXIT INT TERM HUP
	cb_stop_all
	if [ "${CB_KEEP:-0}" = 1 ]; then
		echo "cluster-bench: logs kept in $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cb_cleanup EXIT
trap 'exit 1' INT TERM HUP

cb_die() {
	echo "cluster-bench: $*" >&2
	for f in "$tmp"/n0/log "$tmp"/n1/log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
	done
	exit 1
}

cb_port_busy() {
	grep -q ":$(printf '%04X' "$1") " /proc/net/udp /proc/net/udp6 2>/dev/null
}

# A base port below the ephemeral range with N free ports after it.
cb_pick_base() {
	local n=$1 try=0 base i ok
	while [ $try -lt 40 ]; do
		base=$((20000 + ($$ * 131 + try * 977) % 9000))
		ok=1
		i=0
		while [ $i -lt "$n" ]; do
			cb_port_busy $((base + i)) && { ok=0; break; }
			i=$((i + 1))
		done
		[ $ok = 1 ] && { echo "$base"; return 0; }
		try=$((try + 1))
	done
	return 1
}

cb_sock() { printf '%s/n%s.sock' "$tmp" "$1"; }

cb_ctl() {
	local i="$1"
	shift
	timeout -k 2 20 "$EMOCTL" --socket "$(cb_sock "$i")" --timeout 15 "$@"
}

cb_spawn() {	# I [ARGS...]
	local i="$1" d
	shift
	d="$tmp/n$i"
	mkdir -p "$d"
	echo "# cluster-bench" >"$d/conf"
	"$EMOD" --config "$d/conf" --listen "127.0.0.$((10 + i)):$((BASE + i))" \
	    --data-dir "$d/data" --socket "$(cb_sock "$i")" \
	    --storage "$CB_STORAGE" ${CB_EMOD_ARGS:-} "$@" </dev/null >"$d/log" 2>&1 &
	echo $! >"$d/pid"
	echo $! >>"$tmp/pids"
}

cb_wait_ready() {	# I
	local n=0
	while [ $n -lt 400 ]; do
		cb_alive "$(cat "$tmp/n$1/pid")" || cb_die "node n$1 exited while starting"
		[ -S "$(cb_sock "$1")" ] && cb_ctl "$1" status >/dev/null 2>&1 &&
		    return 0
		sleep 0.05
		n=$((n + 1))
	done
	cb_die "node n$1 did not answer status within 20 s"
}

cb_peers() {
	cb_ctl "$1" --json status 2>/dev/null |
	    sed -e 's/"counters":{[^}]*}//' -n -e 's/.*"peers":\([0-9]*\).*/\1/p'
}

# ---- measurements ------------------------------------------------------

# Memory of every live node: "rss_mean rss_max uss_mean uss_max" in KiB.
cb_mem() {
	local i=0 pid
	while [ $i -lt "$N" ]; do
		pid=$(cat "$tmp/n$i/pid")
		if cb_ours "$pid"; then
			awk '/^VmRSS:/ { r = $2 } END { printf "%d ", r }' "/proc/$pid/status"
			awk '/^Private_(Clean|Dirty):/ { u += $2 } END { print u + 0 }' \
			    "/proc/$pid/smaps_rollup"
		fi
		i=$((i + 1))
	done | awk '{ n++; r += $1; u += $2; if ($1 > rm) rm = $1; if ($2 > um) um = $2 }
	    END { if (n) printf "%d %d %d %d %d\n", r / n, rm, u / n, um, n }'
}

# Each live node's /proc/PID/stat, its fields from the state on (so that
# $N is stat's field N + 2, whatever the command's name holds).
cb_stats() {
	local i=0 pid
	while [ $i -lt "$N" ]; do
		pid=$(cat "$tmp/n$i/pid")
		cb_ours "$pid" && sed 's/^.*) //' "/proc/$pid/stat"
		i=$((i + 1))
	done
}

# CPU seconds used by all nodes so far, from cb_stats' lines on stdin.
cb_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ t += $12 + $13 } END { printf "%.1f\n", t / hz }'
}

# Minor page faults of all nodes so far (new memory touched), the same way.
cb_faults() {
	awk '{ t += $8 } END { print t + 0 }'
}

cb_wakes() {	# voluntary context switches of all nodes so far: their wake-ups
	local i=0 pid
	while [ $i -lt "$N" ]; do
		pid=$(cat "$tmp/n$i/pid")
		cb_ours "$pid" && grep '^voluntary_ctxt_switches' "/proc/$pid/status"
		i=$((i + 1))
	done | awk '{ t += $2 } END { print t + 0 }'
}

cb_udp() {	# NAME: a counter of the Udp: lines of /proc/net/snmp
	awk -v n="$1" '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
	    else print $c[n] }' /proc/net/snmp
}

# Each of CB_COUNTERS summed over all nodes: "name=sum ...".
cb_counters() {
	local i=0
	[ -n "$CB_COUNTERS" ] || return 0
	while [ $i -lt "$N" ]; do
		cb_ctl $i --json status 2>/dev/null
		i=$((i + 1))
	done | awk -v want="$CB_COUNTERS" '
	    BEGIN { n = split(want, w, " ") }
	    { for (k = 1; k <= n; k++)
		if (match($0, "\"" w[k] "\":[0-9]+"))
			sum[k] += substr($0, RSTART + length(w[k]) + 3,
			    RLENGTH - length(w[k]) - 3) }
	    END { for (k = 1; k <= n; k++) printf "%s%s=%d", (k > 1 ? " " : ""),
		w[k], sum[k]; print "" }'
}

now_ms() { date +%s%3N; }

# ---- one cluster -------------------------------------------------------

cb_cluster() {
	local t0 t1 t2 i j min short end rows cpu0 cpu1 rb0 rb1 dg0 dg1 dgop line
	local wk0 wk1 wkdg pf0 pf1 pfop
	local psocks gsocks size c ops mem
	N=$1
	[ "$N" -ge $((2 * CB_CLIENT_NODES + 1)) ] && [ "$N" -le $CB_MAX_NODES ] ||
	    cb_die "N=$N out of range"
	BASE=$(cb_pick_base "$N") || cb_die "no $N free UDP ports"
	end=$(($(date +%s) + CB_DEADLINE_S))

	t0=$(now_ms)
	cb_spawn 0
	cb_wait_ready 0
	i=1
	while [ $i -lt "$N" ]; do
		j=$i
		while [ $j -lt "$N" ] && [ $((j - i)) -lt $CB_BATCH ]; do
			cb_spawn $j --bootstrap "127.0.0.10:$BASE"
			j=$((j + 1))
		done
		while [ $i -lt $j ]; do
			cb_wait_ready $i
			i=$((i + 1))
		done
	done
	t1=$(now_ms)

	# Joined: every node knows min(10, N-1) peers.
	min=10
	[ "$N" -gt 10 ] || min=$((N - 1))
	while :; do
		short=0
		i=0
		while [ $i -lt "$N" ]; do
			p=$(cb_peers $i)
			[ "${p:-0}" -ge $min ] || short=$((short + 1))
			i=$((i + 1))
		done
		[ $short = 0 ] && break
		[ "$(date +%s)" -lt "$end" ] || cb_die "$short nodes never reached $min peers"
		sleep 0.5
	done
	t2=$(now_ms)
	peers=$(i=0; while [ $i -lt "$N" ]; do cb_peers $i; i=$((i + 1)); done |
	    sort -n | awk '{ v[NR] = $1 } END { print v[1] "/" v[int((NR + 1) / 2)] "/" v[NR] }')
	[ "$CB_SETTLE_S" -gt 0 ] && { echo "cluster-bench: N=$N: settling $CB_SETTLE_S s" >&2; sleep "$CB_SETTLE_S"; }
	cb_ctl 1 put "cb-canary-$$" ok >/dev/null || cb_die "canary put failed"
	[ "$(cb_ctl $((N - 1)) get "cb-canary-$$")" = ok ] || cb_die "canary get failed"
	mem_idle=$(cb_mem)

	psocks=""
	gsocks=""
	i=1
	while [ $i -le $CB_CLIENT_NODES ]; do
		psocks="$psocks${psocks:+,}$(cb_sock $i)"
		gsocks="$gsocks${gsocks:+,}$(cb_sock $((N - i)))"
		i=$((i + 1))
	done

	rows="$tmp/rows.$N"
	: >"$rows"
	echo "$CB_PHASES" | tr ',' '\n' >"$tmp/phases"
	while read -r spec <&3; do
		set -- $spec
		size=$1 c=$2 ops=$3
		left=$((end - $(date +%s)))
		[ $left -gt 20 ] || { echo "cluster-bench: N=$N: out of time, skipping V=$size C=$c" >&2; continue; }
		cb_stats >"$tmp/stat"
		cpu0=$(cb_cpu <"$tmp/stat")
		pf0=$(cb_faults <"$tmp/stat")
		wk0=$(cb_wakes)
		rb0=$(cb_udp RcvbufErrors)
		dg0=$(cb_udp InDatagrams)
		timeout -k 5 $((left + 10)) "$BC" -p "$psocks" -g "$gsocks" \
		    -c "$c" -n "$ops" -s "$size" -t 30 -T "$left" \
		    -k "$$-$N-$c" >"$tmp/out" 2>"$tmp/err" ||
		    cb_die "bench_cluster failed: $(cat "$tmp/err")"
		cb_stats >"$tmp/stat"
		cpu1=$(cb_cpu <"$tmp/stat")
		pf1=$(cb_faults <"$tmp/stat")
		wk1=$(cb_wakes)
		rb1=$(cb_udp RcvbufErrors)
		dg1=$(cb_udp InDatagrams)
		# Datagrams received (system-wide) per successful operation.
		dgop=$(awk -v d=$((dg1 - dg0)) '{ ok += $6 } END { printf "%.1f", ok ? d / ok : 0 }' "$tmp/out")
		# Wake-ups of the nodes per datagram received (both system-wide
		# counts include the join's and upkeep's few).
		wkdg=$(awk -v w=$((wk1 - wk0)) -v d=$((dg1 - dg0)) 'BEGIN { printf "%.2f", d ? w / d : 0 }')
		# The nodes' page faults per successful operation: pages of
		# new memory (a stored 16 KiB copy takes 4; docs/BENCH.md).
		pfop=$(awk -v f=$((pf1 - pf0)) '{ ok += $6 } END { printf "%.1f", ok ? f / ok : 0 }' "$tmp/out")
		cat "$tmp/err" >&2
		# Both phases share the CPU and drop numbers of their run.
		while read -r line; do
			echo "$N $line cpu=$(echo "$cpu0 $cpu1" | awk '{ printf "%.1f", $2 - $1 }') rcvbuf=$((rb1 - rb0)) dgop=$dgop wkdg=$wkdg pfop=$pfop"
		done <"$tmp/out" >>"$rows"
	done 3<"$tmp/phases"
	mem_load=$(cb_mem)
	[ -n "$CB_COUNTERS" ] && echo "cluster-bench: N=$N: counters after the run: $(cb_counters)" >&2
	if [ -n "$CB_RESULTS" ]; then
		sed 's/^/row /' "$rows"
		echo "mem_idle $N $mem_idle"
		echo "mem_load $N $mem_load"
	fi >>"${CB_RESULTS:-/dev/null}"

	echo
	echo "N=$N emod nodes ($CB_STORAGE storage), each on its own 127.0.0.x address;" \
	    "puts via $CB_CLIENT_NODES nodes, gets via $CB_CLIENT_NODES others"
	echo "start $((t1 - t0)) ms (all answer status), joined (>= $min peers each)" \
	    "$((t2 - t1)) ms later; peers min/median/max $peers"
	echo "$mem_idle" | awk '{ printf "memory per node, idle:       RSS mean %d KiB max %d KiB, USS mean %d KiB max %d KiB (%d nodes)\n", $1, $2, $3, $4, $5 }'
	echo "$mem_load" | awk '{ printf "memory per node, after load: RSS mean %d KiB max %d KiB, USS mean %d KiB max %d KiB (%d nodes)\n", $1, $2, $3, $4, $5 }'
	printf '%5s %6s %4s %-4s %11s %9s %9s %9s %9s %5s %7s %8s %6s %6s %6s  %s\n' \
	    N value C op ok/total ops/s p50_ms p99_ms max_ms acks cpu_s rcvbuf \
	    dg/op wk/dg pf/op failures
	# Row: N op size C ops sent ok ops/s p50 p99 max acks k=v... cpu=
	# rcvbuf= dgop= wkdg= pfop=
	awk '{
		fails = ""
		for (i = 13; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "cpu") cpu = kv[2]
			else if (kv[1] == "rcvbuf") rb = kv[2]
			else if (kv[1] == "dgop") dg = kv[2]
			else if (kv[1] == "wkdg") wk = kv[2]
			else if (kv[1] == "pfop") pf = kv[2]
			else if (kv[2] != 0) fails = fails kv[1] "=" kv[2] " "
		}
		printf "%5d %6d %4d %-4s %11s %9.0f %9.2f %9.2f %9.2f %5s %7s %8s %6s %6s %6s  %s\n",
		    $1, $3, $4, $2, $7 "/" $5, $8, $9, $10, $11,
		    ($2 == "put" ? sprintf("%.1f", $12) : "-"), cpu, rb, dg, wk, pf,
		    (fails == "" ? "none" : fails)
	}' "$rows"
	cb_stop_all
	# The next size starts from empty data directories.  Left in place,
	# this size's node.key and peers files would bring its first nodes
	# back as the same nodes at new ports, retrying each other's old,
	# dead addresses during the join (about 190 rpc_retries at N=100
	# after N=20).  Kept for CB_KEEP=1.
	CB_RUN=$((CB_RUN + 1))
	mkdir "$tmp/run$CB_RUN-N$N" && mv "$tmp"/n[0-9]* "$tmp/run$CB_RUN-N$N/" ||
	    cb_die "could not move N=$N's node directories aside"
}

echo
echo "cluster benchmark: bench_cluster keeps C requests in flight, one per"
echo "control connection; a get counts only if exactly the bytes put came back;"
echo "cpu_s = CPU of all nodes during the run (put+get); rcvbuf = UDP"
echo "RcvbufErrors delta (system-wide) during the run; dg/op = UDP datagrams"
echo "received (system-wide) during the run per successful put or get;"
echo "wk/dg = the nodes' wake-ups (voluntary context switches) per datagram;"
echo "pf/op = the nodes' minor page faults (pages of new memory) per operation."
CB_RUN=0
for n in $CB_NODES; do
	cb_cluster "$n"
done
