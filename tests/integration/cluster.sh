# cluster.sh — sourced by the test_cluster_*.sh tests, on top of lib.sh:
# clusters of real emod processes, node i named n<i> on its own loopback
# address 127.0.0.(10+i) and port, plus a pipelined control-socket client.

# A test outside tests/integration/ (tests/hostile/) sources lib.sh first.
[ -n "${IT_NAME:-}" ] || . "$(dirname "$0")/lib.sh"

CL_BATCH=${CL_BATCH:-8}			# nodes spawned before waiting for them
CL_STORAGE=${CL_STORAGE:-}		# empty: emod's default (leveldb)
CL_BASE_PORT=""
CL_JOIN_LIMIT_S=${CL_JOIN_LIMIT_S:-$((30 * IT_SLOW))}	# to fill tables

need_python

cl_name() { printf 'n%s' "$1"; }
cl_ip() { printf '127.0.0.%s' $((10 + $1)); }
cl_addr() { printf '%s:%s' "$(cl_ip "$1")" "$(node_port "$(cl_name "$1")")"; }

# cl_conf I LINE...: appends config lines to node I's file (before start).
cl_conf() {
	local d l
	d=$(node_dir "$(cl_name "$1")")
	shift
	mkdir -p "$d"
	[ -f "$d/conf" ] || echo "# $IT_NAME" >"$d/conf"
	for l in "$@"; do
		echo "$l" >>"$d/conf"
	done
}

# cl_port I: sets CL_PORT for node I: one base for the cluster plus I, or
# another free port if that one is taken (not in $(...): keeps the base).
cl_port() {
	local n=0
	if [ -z "$CL_BASE_PORT" ]; then
		CL_BASE_PORT=$(it_pick_port) || fail "no free UDP port found"
		[ "$CL_BASE_PORT" -le 29000 ] ||
		    CL_BASE_PORT=$((CL_BASE_PORT - 1000))
	fi
	CL_PORT=$((CL_BASE_PORT + $1))
	while it_port_busy "$CL_PORT" && [ $n -lt 50 ]; do
		CL_PORT=$(it_pick_port) || fail "no free UDP port found"
		n=$((n + 1))
	done
}

# cl_spawn I [EMOD ARGS...]: starts node I without waiting for it.  A node
# restarted keeps its data dir, config and (if still free) its port.
cl_spawn() {
	local i="$1" name d port
	shift
	name=$(cl_name "$i")
	d=$(node_dir "$name")
	mkdir -p "$d"
	[ -f "$d/conf" ] || echo "# $IT_NAME" >"$d/conf"
	port=""
	[ -f "$d/port" ] && port=$(cat "$d/port")
	if [ -z "$port" ] || it_port_busy "$port"; then
		cl_port "$i"
		port=$CL_PORT
	fi
	echo "$port" >"$d/port"
	spawn "$name" --config "$d/conf" --listen "$(cl_ip "$i"):$port" \
	    --data-dir "$d/data" --socket "$(node_sock "$name")" \
	    ${CL_STORAGE:+--storage "$CL_STORAGE"} ${VERBOSE:+-v} "$@"
}

cl_wait_ready() {
	local name
	name=$(cl_name "$1")
	wait_ready "$name" && return 0
	if node_exited "$name"; then
		fail "node $name exited with status $(node_rc "$name") before it was ready"
	fi
	fail "node $name did not answer 'emoctl status' within $((IT_POLL_COUNT / 20)) s"
}

# cl_start I [EMOD ARGS...]: starts node I and waits until it answers.
cl_start() {
	cl_spawn "$@"
	cl_wait_ready "$1"
}

# cluster_start FIRST LAST [EMOD ARGS...]: starts nodes FIRST..LAST in
# batches of CL_BATCH.  Node 0 starts alone, with no bootstrap; the others
# bootstrap from node 0.  Extra arguments go to every node started.
cluster_start() {
	local first="$1" last="$2" i j boot
	shift 2
	i=$first
	if [ "$i" = 0 ]; then
		cl_start 0 "$@"
		i=1
	fi
	boot=$(cl_addr 0)
	while [ "$i" -le "$last" ]; do
		j=$i
		while [ "$j" -le "$last" ] && [ $((j - i)) -lt "$CL_BATCH" ]; do
			cl_spawn "$j" --bootstrap "$boot" "$@"
			j=$((j + 1))
		done
		while [ "$i" -lt "$j" ]; do
			cl_wait_ready "$i"
			i=$((i + 1))
		done
	done
}

# cl_status I: node I's `status --json` into $T/status.I.  These helpers
# are used inside $(...), where fail would end only the subshell, so they
# print nothing on failure and the callers check for empty answers.
cl_status() {
	ctl "$(cl_name "$1")" --json status >"$T/status.$1" 2>"$T/status.$1.err"
}

# cl_json I MEMBER: a top-level number or string of node I's status.
cl_json() {
	cl_status "$1" || return 1
	sed -e 's/"counters":{[^}]*}//' \
	    -n -e "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$T/status.$1"
}

cl_peers() { cl_json "$1" peers; }
cl_values() { cl_json "$1" values; }
cl_id() { cl_json "$1" node_id; }

# cl_counters I: node I's counters as "name value" lines.
cl_counters() {
	cl_status "$1" || return 1
	"$PYTHON" -c 'import json, sys
for k, v in json.load(open(sys.argv[1]))["counters"].items():
    print(k, v)' "$T/status.$1"
}

# cl_counter_sum I ERE: sum of node I's counters whose name matches ERE
# (empty if the node did not answer).
cl_counter_sum() {
	cl_counters "$1" >"$T/counters.$1" || return 1
	awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }' "$T/counters.$1"
}

# cl_counter_total FIRST LAST ERE: cl_counter_sum over nodes FIRST..LAST;
# fails the test naming a node that did not answer.
cl_counter_total() {
	local i="$1" t=0 c
	while [ "$i" -le "$2" ]; do
		c=$(cl_counter_sum "$i" "$3") || fail "no counters from n$i"
		t=$((t + c))
		i=$((i + 1))
	done
	echo "$t"
}

# cluster_wait_peers MIN FIRST LAST: waits (bounded) until every node in
# FIRST..LAST reports at least MIN peers; fails naming the laggards.
cluster_wait_peers() {
	local min="$1" first="$2" last="$3" end i p short
	end=$(($(date +%s) + CL_JOIN_LIMIT_S))
	while :; do
		short=""
		i=$first
		while [ "$i" -le "$last" ]; do
			p=$(cl_peers "$i")
			[ "${p:-0}" -ge "$min" ] || short="$short n$i:${p:-?}"
			i=$((i + 1))
		done
		[ -z "$short" ] && return 0
		[ "$(date +%s)" -lt "$end" ] ||
		    fail "after ${CL_JOIN_LIMIT_S} s these nodes have fewer than $min peers:$short"
		sleep 0.2
	done
}

# cluster_peer_stats FIRST LAST: prints "min median max" of peer counts.
cluster_peer_stats() {
	local i=$1
	while [ "$i" -le "$2" ]; do
		cl_peers "$i"
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END { print v[1], v[int((NR + 1) / 2)], v[NR] }'
}

# cluster_ids FIRST LAST: "index node_id address" lines into $T/ids.
cluster_ids() {
	local i=$1 id
	: >"$T/ids"
	while [ "$i" -le "$2" ]; do
		id=$(cl_id "$i")
		[ ${#id} = 64 ] || fail "no node id from n$i: $(it_peek "$T/status.$i.err")"
		echo "$i $id $(cl_addr "$i")" >>"$T/ids"
		i=$((i + 1))
	done
}

# ---- pipelined control-socket client ----------------------------------
# cl_load put|get NODE KEYFILE [WINDOW]: KEYFILE lines are "HEXKEY VALUE"
# (value printable, no spaces).  put stores every value under its raw
# 32-byte key; get demands exactly that one value back for every key and
# lists the keys that failed in $T/load.failed.  Up to WINDOW requests (16)
# are in flight on one connection.  Exit 0 if every operation succeeded.
cat >"$T/clload.py" <<'EOF'
import os, socket, struct, sys, time

SLOW = int(os.environ.get("IT_SLOW", "1"))


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def fv(tag, n):
    return varint(tag << 3) + varint(n)


def fb(tag, data):
    return varint((tag << 3) | 2) + varint(len(data)) + data


def rvarint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def parse(buf):
    f = {}
    i = 0
    while i < len(buf):
        key, i = rvarint(buf, i)
        tag, wt = key >> 3, key & 7
        if wt == 0:
            v, i = rvarint(buf, i)
        elif wt == 2:
            n, i = rvarint(buf, i)
            v = buf[i:i + n]
            i += n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        f.setdefault(tag, []).append(v)
    return f


def recv_exact(s, n):
    b = bytearray()
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("emod closed the connection")
        b += c
    return bytes(b)


def main():
    op, sock, keyfile = sys.argv[1:4]
    window = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    items = []
    for line in open(keyfile):
        k, v = line.split()
        items.append((bytes.fromhex(k), v.encode()))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60.0 * SLOW)
    s.connect(sock)
    failed = []
    acks = []
    sent = done = 0
    pending = {}
    t0 = time.monotonic()
    while done < len(items):
        while sent < len(items) and sent - done < window:
            k, v = items[sent]
            if op == "put":
                body = fb(10, fb(1, k) + fb(3, v))
            else:
                body = fb(11, fb(1, k))
            req = fv(1, 1) + fv(2, sent + 1) + body
            s.sendall(struct.pack(">I", len(req)) + req)
            pending[sent + 1] = sent
            sent += 1
        n, = struct.unpack(">I", recv_exact(s, 4))
        r = parse(recv_exact(s, n))
        idx = pending.pop(r.get(1, [0])[0])
        done += 1
        k, v = items[idx]
        if 2 in r:
            e = parse(r[2][0])
            failed.append("%s error %d %s" % (k.hex(), e.get(1, [0])[0],
                          e.get(2, [b""])[0].decode(errors="replace")))
        elif op == "put":
            acks.append(parse(r[10][0]).get(1, [0])[0] if 10 in r else -1)
        else:
            vals = [parse(x).get(1, [b""])[0]
                    for x in parse(r[11][0]).get(2, [])] if 11 in r else []
            if vals != [v]:
                failed.append("%s got %r" % (k.hex(), vals[:3]))
    dt = time.monotonic() - t0
    with open(os.environ["CL_FAILED"], "w") as f:
        for x in failed:
            f.write(x + "\n")
    msg = "%s: %d ops in %.2f s, %d failed" % (op, len(items), dt, len(failed))
    if acks:
        msg += ", acks min %d mean %.1f" % (min(acks), sum(acks) / len(acks))
    print(msg)
    return 1 if failed else 0


sys.exit(main())
EOF

cl_load() {
	CL_FAILED="$T/load.failed" timeout -k 5 $((240 * IT_SLOW)) \
	    "$PYTHON" "$T/clload.py" "$1" "$(node_sock "$(cl_name "$2")")" \
	    "$3" "${4:-16}"
}

# cl_keyfile FILE COUNT PREFIX: COUNT random 32-byte keys with the values
# PREFIX-<n>.
cl_keyfile() {
	"$PYTHON" -c 'import os, sys
with open(sys.argv[1], "w") as f:
    for n in range(int(sys.argv[2])):
        f.write("%s %s-%d\n" % (os.urandom(32).hex(), sys.argv[3], n))' "$@"
}

# cluster_stop FIRST LAST: SIGTERM to nodes FIRST..LAST that still run, then
# a bounded wait; each must exit 0 (no sanitizer report checked here: the
# cleanup of lib.sh scans every log).
cluster_stop() {
	local i=$1 name pid
	while [ "$i" -le "$2" ]; do
		name=$(cl_name "$i")
		pid=$(node_pid "$name")
		if [ -n "$pid" ] && ! node_exited "$name"; then
			kill -TERM "$pid" 2>/dev/null
		fi
		i=$((i + 1))
	done
	i=$1
	while [ "$i" -le "$2" ]; do
		name=$(cl_name "$i")
		if [ -n "$(node_pid "$name")" ]; then
			wait_exit "$name" || fail "node $name did not exit after SIGTERM"
			[ "$(node_rc "$name")" = 0 ] ||
			    fail "node $name exited with status $(node_rc "$name") after SIGTERM"
		fi
		i=$((i + 1))
	done
}

# cluster_responsible IDX KEYFILE OUT: the lines of KEYFILE whose key has
# node IDX among the K (20) nodes of $T/ids closest by XOR distance.
cluster_responsible() {
	"$PYTHON" - "$1" "$2" "$3" "$T/ids" <<'PY'
import sys
idx, keyfile, out, idsfile = sys.argv[1:5]
ids = {}
for line in open(idsfile):
    i, nid, _ = line.split()
    ids[i] = int(nid, 16)
me = ids[idx]
with open(out, "w") as f:
    for line in open(keyfile):
        k = int(line.split()[0], 16)
        closer = sum(1 for i, n in ids.items() if i != idx and (n ^ k) < (me ^ k))
        if closer < 20:
            f.write(line)
PY
}
