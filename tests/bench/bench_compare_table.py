#!/usr/bin/python3
"""bench_compare_table.py DIR N... -- the one table of make bench-compare.

Reads, per N, DIR/emo.N (cluster-bench.sh's CB_RESULTS lines), DIR/odht.N.txt
(opendht_cluster.py at 32 in flight) and DIR/odht1.N.txt (one at a time;
the last line of each is the script's JSON summary).  Prints each figure,
emo's, OpenDHT's and the ratio, oriented so that > 1 means emo is better:
emo/OpenDHT for rates, OpenDHT/emo for latencies, CPU and memory.
"""
import json
import sys


def emo_results(path):
    rows, mem = {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "row":
                # row N op size C ops sent ok ops/s p50 p99 max acks k=v...
                kv = dict(x.split("=", 1) for x in w[13:] if "=" in x)
                rows[(w[2], int(w[3]), int(w[4]))] = {
                    "ops": int(w[5]), "ok": int(w[7]), "rate": float(w[8]),
                    "p50": float(w[9]), "fails": int(w[5]) - int(w[7]),	# asked, not done right
                    "cpu": float(kv.get("cpu", "nan")),
                    "dgop": float(kv["dgop"]) if "dgop" in kv else None,
                    "wkdg": float(kv["wkdg"]) if "wkdg" in kv else None,
                    "pfop": float(kv["pfop"]) if "pfop" in kv else None,
                }
            elif w[0] in ("mem_idle", "mem_load") and len(w) >= 7:
                mem[w[0]] = {"uss_mean": int(w[4]), "uss_max": int(w[5])}
    return rows, mem


def odht_summary(path):
    with open(path) as f:
        lines = [x for x in f.read().splitlines() if x.strip()]
    s = json.loads(lines[-1])
    if s.get("error"):
        raise SystemExit(f"bench-compare: {path}: OpenDHT run failed")
    return s


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.2f}{unit}"


def ratio(a, b, higher_better):
    if a is None or b is None or a == 0 or b == 0:
        return "-"
    r = a / b if higher_better else b / a
    return f"{r:.2f}x"


def table(d, n):
    rows, mem = emo_results(f"{d}/emo.{n}")
    o = odht_summary(f"{d}/odht.{n}.txt")
    o1 = odht_summary(f"{d}/odht1.{n}.txt")
    orun = {r["value_size"]: r for r in o["runs"]}
    orun1 = {r["value_size"]: r for r in o1["runs"]}
    out = []

    def add(name, e, od, higher_better, unit=""):
        out.append((name, fmt(e, unit), fmt(od, unit), ratio(e, od, higher_better)))

    def er(op, size, c):
        return rows.get((op, size, c))

    fail_e = fail_o = 0
    cpu_e = ops_e = 0
    cpu_o = ops_o = 0
    for size in (100, 16384):
        p, g = er("put", size, 32), er("get", size, 32)
        op_ = orun.get(size)
        label = "100 B" if size == 100 else "16 KiB"
        add(f"puts/s, {label}, 32 in flight", p and p["rate"], op_ and op_["put_ops_s"], True)
        add(f"gets/s, {label}, 32 in flight", g and g["rate"], op_ and op_["get_ops_s"], True)
        add(f"put p50 ms, {label}, 32 in flight", p and p["p50"],
            op_ and op_["put_lat"]["p50_ms"], False)
        add(f"get p50 ms, {label}, 32 in flight (OpenDHT: first value)",
            g and g["p50"], op_ and op_["get_first_value_lat"]["p50_ms"], False)
        o_ok = op_ and op_["put_ok"] + op_["get_found"]
        add(f"UDP datagrams per op, {label}, 32 in flight", p and p["dgop"],
            (op_["put_udp"].get("InDatagrams", 0) + op_["get_udp"].get("InDatagrams", 0)) / o_ok
            if o_ok else None, False)
        add(f"node wake-ups per datagram, {label}, 32 in flight (emo only)",
            p and p["wkdg"], None, False)
        add(f"node page faults per op, {label}, 32 in flight (emo only)",
            p and p["pfop"], None, False)
        if p and g:
            fail_e += p["fails"] + g["fails"]
            cpu_e += p["cpu"]		# the put and get rows share one cpu figure
            ops_e += p["ok"] + g["ok"]
        if op_:
            fail_o += (op_["puts"] - op_["put_ok"]) + (op_["get_submitted"] - op_["get_found"])
            cpu_o += (op_["put_cluster_cpu_s"] or 0) + (op_["get_cluster_cpu_s"] or 0)
            ops_o += op_["put_ok"] + op_["get_found"]
    for size in (100, 16384):
        p, g = er("put", size, 1), er("get", size, 1)
        o1r = orun1.get(size)
        label = "100 B" if size == 100 else "16 KiB"
        add(f"put p50 ms, {label}, one at a time", p and p["p50"],
            o1r and o1r["put_lat"]["p50_ms"], False)
        add(f"get p50 ms, {label}, one at a time", g and g["p50"],
            o1r and o1r["get_first_value_lat"]["p50_ms"], False)
        if p and g:
            fail_e += p["fails"] + g["fails"]
        if o1r:
            fail_o += (o1r["puts"] - o1r["put_ok"]) + (o1r["get_submitted"] - o1r["get_found"])
    add("cluster CPU ms per op (32 in flight)", cpu_e / ops_e * 1000 if ops_e else None,
        cpu_o / ops_o * 1000 if ops_o else None, False)
    out.append(("failed operations (must be 0)", str(fail_e), str(fail_o),
                "ok" if fail_e == 0 else "FAILED"))
    add("USS per node idle, KiB", mem.get("mem_idle", {}).get("uss_mean"),
        o["rss_idle"].get("uss_kib_median_plain_node"), False)
    add("USS per node after load, KiB", mem.get("mem_load", {}).get("uss_mean"),
        o["rss"].get("uss_kib_median_plain_node"), False)

    w0 = max(len(r[0]) for r in out)
    print(f"\nN={n} (loopback, one process per node; OpenDHT {o.get('opendht_version', '?')}; "
          f"ratio > 1 means emo is better)")
    print(f"| {'figure':<{w0}} | {'emo':>10} | {'OpenDHT':>10} | {'ratio':>8} |")
    print(f"| {'-' * w0} | {'-' * 10}:| {'-' * 10}:| {'-' * 8}:|")
    for r in out:
        print(f"| {r[0]:<{w0}} | {r[1]:>10} | {r[2]:>10} | {r[3]:>8} |")


def main():
    if len(sys.argv) < 3:
        print("usage: bench_compare_table.py DIR N...", file=sys.stderr)
        return 2
    print("make bench-compare: emo = tests/bench/cluster-bench.sh (emo USS: mean per node); "
          "OpenDHT = opendht_cluster.py (USS: median plain node)")
    for n in sys.argv[2:]:
        table(sys.argv[1], int(n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
