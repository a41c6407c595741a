#!/usr/bin/env python3
"""scale_plots -- issue 13's pictures: runs sim_scale at several network
sizes and churn levels (stated seeds), or reads result lines saved before,
and draws docs/scale_*.png with matplotlib (Debian: python3-matplotlib).

  python3 tests/sim/scale_plots.py --run RESULTS     # run, append lines
  python3 tests/sim/scale_plots.py RESULTS           # plot saved lines
  python3 tests/sim/scale_plots.py --table RESULTS   # docs/SCALE.md's table

RESULTS holds sim_scale's machine-readable last lines (key=value ...), one
a run (a later line of the same run replaces an earlier one);
tests/sim/scale_results.txt is the set docs/SCALE.md shows.  `make
sim-plots` plots it.  --run takes minutes of CPU (nice it); the sizes
over 10,000 it leaves out unless --big.
"""
import math
import os
import subprocess
import sys

SIM = os.environ.get("SIM_SCALE", "build/tests/sim_scale")
SEED = 20240601
SIZES = [300, 1000, 3000, 10000]
BIG = [30000]
CHURNS = [0.0, 0.1, 0.2, 0.3]


def runs(big):
    for n in SIZES + (BIG if big else []):
        yield ["--nodes", str(n)]
        yield ["--nodes", str(n), "--latency", "king"]
    for n in (300, 1000):
        yield ["--nodes", str(n), "--cache-max", "0"]
    for c in CHURNS:
        for lat in ("uniform", "king"):
            yield ["--nodes", "1000", "--churn", str(c), "--loss", "0.05",
                   "--lookups", "1000", "--latency", lat]


def run(path, big):
    with open(path, "a") as out:
        for args in runs(big):
            cmd = ["nice", "-n", "10", SIM, "--seed", str(SEED)] + args
            p = subprocess.run(cmd, capture_output=True, text=True)
            line = p.stdout.strip().splitlines()[-1]
            print(line, flush=True)
            out.write(line + "\n")


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.startswith("nodes="):
                continue
            r = {"raw": {}}
            for kv in line.split():
                k, v = kv.split("=", 1)
                r["raw"][k] = v
                try:
                    r[k] = float(v)
                except ValueError:
                    r[k] = v
            r.setdefault("latency", "uniform")
            rows.append(r)
    # A later line of the same run (a later commit) replaces the earlier.
    key = lambda r: tuple(r["raw"].get(k) for k in ("nodes", "latency",
        "churn", "loss", "lookups", "cache_max", "seed"))
    last = {key(r): i for i, r in enumerate(rows)}
    return [r for i, r in enumerate(rows) if last[key(r)] == i]


def plot(rows, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Later lines replace earlier ones of the same point: the file's
    # order is the code's history.
    calm = {}
    for r in rows:
        if r["churn"] == 0 and r["loss"] == 0 and \
                r.get("cache_max") in (32, 64):
            calm[(r["latency"], int(r["nodes"]))] = r

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for lat, mark in (("uniform", "o-"), ("king", "s-")):
        pts = sorted((n, r) for (l, n), r in calm.items() if l == lat)
        if not pts:
            continue
        ns = [n for n, _ in pts]
        ax[0].plot(ns, [r["queries_per_lookup"] for _, r in pts], mark,
                   label="queries per lookup (%s)" % lat)
        ax[1].plot(ns, [r["get_p50_ms"] for _, r in pts], mark,
                   label="get p50 (%s)" % lat)
        ax[1].plot(ns, [r["get_p99_ms"] for _, r in pts], mark,
                   alpha=0.5, label="get p99 (%s)" % lat)
    if calm:
        ns = sorted({n for (_, n) in calm})
        ref = [r for (l, n), r in calm.items() if l == "uniform"]
        if len(ref) >= 2:
            # Least squares a + b log2 N through the uniform points.
            xs = [math.log2(r["nodes"]) for r in ref]
            ys = [r["queries_per_lookup"] for r in ref]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / \
                sum((x - mx) ** 2 for x in xs)
            a = my - b * mx
            ax[0].plot(ns, [a + b * math.log2(n) for n in ns], "k--",
                       label="%.1f + %.2f log2 N (fit)" % (a, b))
    for a in ax:
        a.set_xscale("log")
        a.set_xlabel("nodes N")
        a.grid(True, alpha=0.3)
        a.legend(fontsize=7)
    ax[0].set_ylabel("queries per lookup")
    ax[1].set_ylabel("get latency, ms (virtual)")
    ax[1].set_yscale("log")
    fig.suptitle("sim_scale, no churn, no loss (seed %d)" % SEED)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "scale_lookups.png"), dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    for lat, mark in (("uniform", "o-"), ("king", "s-")):
        byc = {}
        for r in rows:
            if r["nodes"] == 1000 and r["loss"] == 0.05 and \
                    r["latency"] == lat:
                byc[r["churn"]] = r
        pts = sorted(byc.items())
        if not pts:
            continue
        cs = [c for c, _ in pts]
        ax[0].plot(cs, [r["success"] for _, r in pts], mark,
                   label="lookup success (%s)" % lat)
        ax[1].plot(cs, [r["closest_found"] for _, r in pts], mark,
                   label="of the 20 closest found (%s)" % lat)
        ax[2].plot(cs, [r["get_p50_ms"] for _, r in pts], mark,
                   label="get p50 (%s)" % lat)
        ax[2].plot(cs, [r["get_p99_ms"] for _, r in pts], mark, alpha=0.5,
                   label="get p99 (%s)" % lat)
    ax[0].axhline(0.999, color="k", ls="--", lw=0.8, label="target 0.999")
    ax[1].axhline(19, color="k", ls="--", lw=0.8, label="target 19")
    ax[0].set_ylim(0.99, 1.0005)
    ax[1].set_ylim(18.5, 20.1)
    ax[2].axhline(1000, color="k", ls="--", lw=0.8, label="target p50 1 s")
    ax[2].axhline(3000, color="k", ls=":", lw=0.8, label="target p99 3 s")
    ax[2].set_ylabel("get latency, ms (virtual)")
    for a in ax:
        a.set_xlabel("fraction of nodes replaced (churn), 5% loss")
        a.grid(True, alpha=0.3)
        a.legend(fontsize=7)
    fig.suptitle("sim_scale, 1,000 nodes (seed %d)" % SEED)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "scale_churn.png"), dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    # Lines with proofs_per_node ran with node identities (the engine
    # since then); the others are the points from before them.
    for cm, ids, mark in ((32, True, "^-"), (64, True, "o-"),
                          (64, False, "o:"), (0, False, "s:")):
        byn = {}
        for r in rows:
            if r["churn"] == 0 and r["loss"] == 0 and \
                    r["latency"] == "uniform" and \
                    r.get("cache_max") == cm and \
                    ("proofs_per_node" in r["raw"]) == ids:
                byn[r["nodes"]] = r
        pts = sorted(byn.items())
        if pts:
            ax.plot([n for n, _ in pts],
                    [r["bytes_per_node"] / 1024 for _, r in pts], mark,
                    label="addr_cache_max %s, %s" %
                    (cm if cm else "0 (daemon bounds)",
                     "now" if ids else "before identities"))
    ax.axhline(40, color="k", ls="--", lw=0.8, label="target 40 KiB")
    ax.set_ylim(bottom=0)
    ax.set_xscale("log")
    ax.set_xlabel("nodes N")
    ax.set_ylabel("KiB per simulated node")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "scale_memory.png"), dpi=90)
    plt.close(fig)


def table(rows):
    cols = ["nodes", "latency", "churn", "loss", "lookups", "success",
            "closest_found", "queries_per_lookup",
            "own_queries_per_lookup", "get_p50_ms",
            "get_p99_ms", "bytes_per_node", "cache_max", "cpu_s",
            "proofs_per_node", "seed"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        out = []
        for c in cols:
            v = r["raw"].get(c, "uniform" if c == "latency" else "")
            if c in ("nodes", "bytes_per_node", "get_p50_ms", "get_p99_ms"):
                v = "{:,}".format(int(v))
            out.append(v)
        print("| " + " | ".join(out) + " |")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    if "--table" in argv:
        table(parse(args[0]))
        return 0
    if "--run" in argv:
        run(args[0], "--big" in argv)
    plot(parse(args[0]), "docs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
