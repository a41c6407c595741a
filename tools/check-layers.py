#!/usr/bin/env python3
"""check-layers: enforce the module layering written in docs/HACKING.md.

The "## Layers" table of docs/HACKING.md is the single source of truth.  Each
row is `| layer | modules | owns |`; modules are backticked names, a module's
extra files follow it in parentheses: `store` (`store_ldb`, `store_mem`).
A file belongs to module X when its stem is X or one of X's members, or when
it is X_impl.h (X's private header).  A layer is a number, or a side layer
`name (over N)` (emoctl): it may include layers 0..N and itself, and nothing
else may include it.

Every `#include "..."` of every .c/.h under daemon/, ctl/ and proto/ is read
(<...> includes and generated *.pb-c.h are allowed everywhere).  It fails on:
a file of no module in the table; an include of a higher layer; an include
cycle between modules (same-layer includes are allowed, cycles are not); a
private X_impl.h included from outside module X (tests only by name, through
TEST_PRIVATE below); a file over 800 lines (over 1,000 for tests/**/*.c).

Usage: check-layers.py [--root DIR]    exit 0 clean, 1 violations, 2 bad table
"""
import os
import re
import sys

SRC_DIRS = ("daemon", "ctl", "proto")
MAX_LINES, MAX_TEST_LINES = 800, 1000
# Tests are not checked for layering, but may include a private header only
# when they are listed here.
TEST_PRIVATE = {
    "tests/unit/check_conf.c": {"conf_impl.h"},
    "tests/fuzz/fuzz_conf.c": {"conf_impl.h"},
    "tests/sim/sim_lookup.c": {"dht_impl.h"},
    "tests/sim/sim_repro.c": {"dht_impl.h"},
    "tests/unit/check_store.c": {"store_impl.h"},
    "tests/unit/check_store_page.c": {"store_impl.h"},
    "tests/unit/check_store_index.c": {"store_impl.h"},
    "tests/fuzz/fuzz_record.c": {"store_impl.h"},
    "tests/fuzz/fuzz_memstore.c": {"store_impl.h"},
    "tests/fuzz/fuzz_control.c": {"control_impl.h"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
DOC = "docs/HACKING.md"


def die(msg):
    print("check-layers: " + msg, file=sys.stderr)
    sys.exit(2)


class Layer:
    def __init__(self, label, rank, side):
        self.label, self.rank, self.side = label, rank, side

    def may_include(self, other):
        if other.side:
            return other.side == self.side
        return other.rank <= self.rank


def parse_table(root):
    """Returns ([(Layer, [module])], {stem: module}, {module: Layer})."""
    try:
        lines = open(os.path.join(root, DOC), encoding="utf-8").read().splitlines()
    except OSError as e:
        die("%s: %s" % (DOC, e.strerror))
    rows, stems, layer_of, inside = [], {}, {}, False
    for n, line in enumerate(lines, 1):
        if line.startswith("## "):
            inside = line.strip() == "## Layers"
            continue
        if not inside or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "layer" or set(cells[0]) <= set("-: "):
            continue                    # header and separator rows
        where = "%s:%d" % (DOC, n)
        m = re.fullmatch(r"(\d+)|(\w+) \(over (\d+)\)", cells[0])
        if len(cells) < 2 or not m:
            die("%s: layer must be N or `name (over N)`, not %r" % (where, cells[0]))
        if m.group(1):
            layer = Layer(m.group(1), int(m.group(1)), None)
        else:
            layer = Layer(m.group(2), int(m.group(3)), m.group(2))
        mods = []
        for name, members in re.findall(r"`(\w+)`\s*(?:\(([^)]*)\))?", cells[1]):
            for stem in [name] + re.findall(r"`(\w+)`", members):
                if stem in stems:
                    die("%s: %s is listed twice" % (where, stem))
                stems[stem] = name
            layer_of[name] = layer
            mods.append(name)
        if not mods:
            die("%s: no `module` in the modules column" % where)
        rows.append((layer, mods))
    if not rows:
        die("%s has no table in its \"## Layers\" section" % DOC)
    return rows, stems, layer_of


def module_of(fname, stems):
    stem = fname.rsplit(".", 1)[0]
    if stem in stems:
        return stems[stem]
    if stem.endswith("_impl") and stem[:-5] in stems:
        return stems[stem[:-5]]
    return None


def sources(root, top, exts):
    for d, subdirs, files in os.walk(os.path.join(root, top)):
        subdirs.sort()
        for f in sorted(files):
            if f.endswith(exts) and not f.endswith((".pb-c.c", ".pb-c.h")):
                yield os.path.relpath(os.path.join(d, f), root)


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        text = f.read()
    incs = []
    for n, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line)
        if m and not m.group(1).endswith(".pb-c.h"):
            incs.append((n, os.path.basename(m.group(1))))
    return text.count("\n"), incs


def too_long(path, nlines, limit):
    if nlines > limit:
        return ["%s:%d: %d lines, over the limit of %d" % (path, limit + 1, nlines, limit)]
    return []


def find_cycles(edges):
    """Strongly connected components (Tarjan) of more than one module, each
    as one shortest cycle through its first module: [[a, b, ..., a]]."""
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on.discard(w)
                scc.add(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(scc)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    cycles = []
    for scc in sccs:
        start = min(scc)
        prev, queue = {start: None}, [start]
        while queue:                    # breadth first, back to start
            v = queue.pop(0)
            if start in edges.get(v, {}):
                path = [start]
                while v is not None:
                    path.insert(0, v)
                    v = prev[v]
                cycles.append(path)
                break
            for w in sorted(edges.get(v, {})):
                if w in scc and w not in prev:
                    prev[w] = v
                    queue.append(w)
    return cycles


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) == 2 and argv[0] == "--root":
        root = argv[1]
    elif argv:
        die("usage: check-layers.py [--root DIR]")
    rows, stems, layer_of = parse_table(root)
    bad, edges, nfiles, nincs = [], {}, 0, 0
    files = [p for top in SRC_DIRS for p in sources(root, top, (".c", ".h"))]
    present = {os.path.basename(p) for p in files}
    seen = set()
    for path in files:
        nfiles += 1
        nlines, incs = includes(root, path)
        nincs += len(incs)
        bad += too_long(path, nlines, MAX_LINES)
        mod = module_of(os.path.basename(path), stems)
        if mod is None:
            stem = re.sub(r"_impl$", "", os.path.basename(path).rsplit(".", 1)[0])
            bad.append("%s:1: module %s is not in the layer table of %s"
                       % (path, stem, DOC))
            continue
        seen.add(mod)
        for n, inc in incs:
            to = module_of(inc, stems)
            if to is None:
                if inc not in present:
                    bad.append("%s:%d: includes %s, which is in no module of the "
                               "layer table" % (path, n, inc))
                continue
            if inc.endswith("_impl.h") and to != mod:
                bad.append("%s:%d: includes %s, private to module %s"
                           % (path, n, inc, to))
            if not layer_of[mod].may_include(layer_of[to]):
                bad.append("%s:%d: upward include: %s (layer %s) includes %s of %s "
                           "(layer %s)" % (path, n, mod, layer_of[mod].label, inc,
                                           to, layer_of[to].label))
            if to != mod:
                edges.setdefault(mod, {}).setdefault(to, "%s:%d" % (path, n))
    for cyc in find_cycles(edges):
        links = ["%s at %s" % (b, edges[a][b]) for a, b in zip(cyc, cyc[1:])]
        bad.append("%s: include cycle %s (%s)"
                   % (edges[cyc[0]][cyc[1]], " -> ".join(cyc), "; ".join(links)))
    for path in sources(root, "tests", (".c", ".h")):
        nlines, incs = includes(root, path)
        if path.endswith(".c"):
            bad += too_long(path, nlines, MAX_TEST_LINES)
        for n, inc in incs:
            if inc.endswith("_impl.h") and inc not in TEST_PRIVATE.get(path, ()):
                bad.append("%s:%d: includes private %s (tests may, by name, through "
                           "TEST_PRIVATE in tools/check-layers.py)" % (path, n, inc))

    print("check-layers: layers of %s (each includes only its own layer and below)" % DOC)
    for layer, mods in rows:
        where = layer.label + (" (over %d)" % layer.rank if layer.side else "")
        print("  %-14s %s" % (where + ":", " ".join(
            m if m in seen else m + "?" for m in mods)))
    print("  (? = listed, no files yet)")
    for line in bad:
        print(line)
    print("check-layers: %d violation%s (%d files, %d includes)"
          % (len(bad), "" if len(bad) == 1 else "s", nfiles, nincs))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
