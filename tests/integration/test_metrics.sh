#!/bin/sh
# test_metrics.sh — `metrics_listen` on a 3-node cluster: GET /metrics is
# the Prometheus text format (parsed with Debian's python3-prometheus-client),
# every status counter is there with HELP and TYPE and the value `emoctl
# status` shows, the put/get histograms count exactly the puts and gets
# made, lookups have durations and query counts; other paths are 404, other
# methods refused; a port already bound stops emod at start-up, naming it.
. "$(dirname "$0")/cluster.sh"

"$PYTHON" -c 'import prometheus_client.parser' 2>/dev/null ||
    skip "$PYTHON has no prometheus_client (Debian: apt install python3-prometheus-client)"

# A TCP port nobody listens on (20000-29999).
tcp_port() {
	local n=0 p h
	while [ $n -lt 50 ]; do
		p=$((20000 + ($(it_rand16) + $$ * 11) % 10000))
		h=$(printf '%04X' "$p")
		grep -q ":$h " /proc/net/tcp /proc/net/tcp6 2>/dev/null ||
		    { echo "$p"; return 0; }
		n=$((n + 1))
	done
	return 1
}

MPORT=$(tcp_port) || fail "no free TCP port found"
cl_conf 0 "metrics_listen = 127.0.0.1:$MPORT"
cluster_start 0 2
cluster_wait_peers 2 0 2
grep -q "metrics at http://127.0.0.1:$MPORT/metrics" "$(node_log n0)" ||
    fail "n0 did not log where its metrics are"

PUTS=7
GETS=4
i=1
while [ $i -le $PUTS ]; do
	assert_exit 0 ctl n0 put "metrics-$i" "value $i"
	i=$((i + 1))
done
i=1
while [ $i -le $GETS ]; do
	assert_exit 0 ctl n0 get "metrics-$i"
	i=$((i + 1))
done
assert_exit 0 ctl n0 --json status
cp "$OUT" "$T/status.json"

# scrape PATH [METHOD]: prints "STATUS" then the body to $T/scrape.
scrape() {
	"$PYTHON" - "$MPORT" "$1" "${2:-GET}" "$T/scrape" <<'PY'
import sys, urllib.request, urllib.error
port, path, method, out = sys.argv[1:5]
req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                             method=method)
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
open(out, "wb").write(body)
print(code)
PY
}

assert_eq 200 "$(scrape /metrics)" "GET /metrics status"
cp "$T/scrape" "$T/metrics.txt"
assert_eq 404 "$(scrape /)" "GET / status"
assert_eq 404 "$(scrape /metrics/x)" "GET /metrics/x status"
code=$(scrape /metrics POST)
[ "$code" -ge 400 ] || fail "POST /metrics answered $code, expected a 4xx/5xx"

"$PYTHON" - "$T/metrics.txt" "$T/status.json" "$PUTS" "$GETS" \
    >"$T/check" 2>&1 <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
status = json.load(open(sys.argv[2]))
puts, gets = int(sys.argv[3]), int(sys.argv[4])
fams = {f.name: f for f in text_string_to_metric_families(text)}
errs = []
def sample(name, suffix="", labels=None):
    for f in fams.values():
        for s in f.samples:
            if s.name == name + suffix and (labels is None or
                                            s.labels == labels):
                return s.value
    return None
# Every metric has its HELP and TYPE line, once.
for f in fams.values():
    if f.documentation == "":
        errs.append("no HELP for " + f.name)
    if f.type == "unknown":
        errs.append("no TYPE for " + f.name)
# Every status counter, same value (ctl_* move with our own requests).
for name, v in status["counters"].items():
    base = "emo_" + name
    got = sample(base, "_total")
    if got is None:
        got = sample(base)
    if got is None:
        errs.append("counter %s missing" % name)
    elif not name.startswith("ctl_") and got != v:
        errs.append("counter %s: metrics %s, status %s" % (name, got, v))
for g in ("peers", "keys", "values", "bytes"):
    if sample("emo_" + g) != status[g]:
        errs.append("gauge %s: %s vs status %s" % (g, sample("emo_" + g),
                                                  status[g]))
def hist(name):
    f = fams.get(name)
    if f is None or f.type != "histogram":
        errs.append("histogram %s missing" % name)
        return None
    b = [(s.labels["le"], s.value) for s in f.samples
         if s.name == name + "_bucket"]
    vals = [v for _, v in b]
    if vals != sorted(vals) or b[-1][0] != "+Inf":
        errs.append("%s buckets not cumulative or no +Inf: %s" % (name, b))
    cnt = sample(name, "_count")
    if cnt != b[-1][1]:
        errs.append("%s count %s != +Inf bucket %s" % (name, cnt, b[-1][1]))
    return cnt
if hist("emo_put_duration_seconds") != puts:
    errs.append("put histogram count %s, expected %d" %
                (sample("emo_put_duration_seconds", "_count"), puts))
if hist("emo_get_duration_seconds") != gets:
    errs.append("get histogram count %s, expected %d" %
                (sample("emo_get_duration_seconds", "_count"), gets))
lk = hist("emo_lookup_duration_seconds")
lq = hist("emo_lookup_queries_per_lookup")
if not lk or lk < puts + gets:
    errs.append("lookup histogram count %s, expected >= %d" % (lk, puts + gets))
if lq != lk:
    errs.append("lookup queries count %s != lookup durations count %s" %
                (lq, lk))
if not (sample("emo_lookup_queries_per_lookup", "_sum") or 0) > 0:
    errs.append("lookups in a 3-node cluster sent no queries")
print("metric families: %d, put count %s, lookup count %s, queries sum %s" % (
    len(fams), sample("emo_put_duration_seconds", "_count"), lk,
    sample("emo_lookup_queries_per_lookup", "_sum")))
for e in errs:
    print("ERR", e)
sys.exit(1 if errs else 0)
PY
rc=$?
cat "$T/check"
[ $rc = 0 ] || fail "the scrape does not match (see above)"

# The port is taken now: a second emod asking for it refuses to start.
mkdir -p "$T/busy"
echo "metrics_listen = 127.0.0.1:$MPORT" >"$T/busy/conf"
BPORT=$(it_pick_port) || fail "no free UDP port found"
expect_refusal busy --config "$T/busy/conf" --listen "127.0.0.1:$BPORT" \
    --data-dir "$T/busy/data" --socket "$T/busy.sock"
grep -q "metrics_listen 127.0.0.1:$MPORT: cannot listen: Address already in use" \
    "$(node_log busy)" || fail "no clear start-up error for a taken metrics port:
$(tail -n 3 "$(node_log busy)")"

cluster_stop 0 2
echo "metrics: $(head -n 1 "$T/check")"
exit 0
