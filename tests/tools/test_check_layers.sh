#!/bin/sh
# Runs tools/check-layers.py over small fake trees (each with its own
# docs/HACKING.md) and checks that each rule is caught, alone, with the
# expected line, and that a clean tree passes.  KEEP=1 keeps the temp dir.
# Ends with "N passed, N failed"; exits 1 on any failure.
top=$(cd "$(dirname "$0")/../.." && pwd)
check="python3 $top/tools/check-layers.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-layers.XXXXXX") || exit 1
[ -n "$KEEP" ] && echo "keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

# A clean tree: a header-only module, a module with member files and a
# private header, a same-layer include, a side layer, ignored includes.
clean() {
	d=$tmp/$1; mkdir -p "$d/docs" "$d/daemon" "$d/ctl" "$d/proto" "$d/tests/unit"
	cat >"$d/docs/HACKING.md" <<'EOF'
# Hacking

## Layers

| layer | modules | owns |
| --- | --- | --- |
| 0 | `base` `frame` | basics; framing |
| 1 | `wire` `frag` `store` (`store_mem`) | codec; fragments; `store` things |
| 2 | `eng` `later` | the engine; not written yet |
| ctl (over 0) | `ctl` (`tool`) | the tool |

## Next section

| layer | modules | owns |
| 9 | `ignored` | not part of the Layers table |
EOF
	printf '#include <stdio.h>\n' >"$d/daemon/base.h"
	printf '#include "base.h"\n' >"$d/daemon/base.c"
	printf '#include "frame.h"\n#include "control.pb-c.h"\n' >"$d/proto/frame.c"
	: >"$d/proto/frame.h"
	printf '#include "base.h"\n' >"$d/daemon/wire.h"
	printf '#include "wire.h"\n' >"$d/daemon/wire.c"
	printf '#include "wire.h"\n' >"$d/daemon/frag.h"
	printf '#include "store.h"\n' >"$d/daemon/store_impl.h"
	: >"$d/daemon/store.h"
	printf '#include "store_impl.h"\n' >"$d/daemon/store_mem.c"
	printf '#include "frag.h"\n#include "store.h"\n' >"$d/daemon/eng.c"
	printf '#include "frame.h"\n#include "base.h"\n' >"$d/ctl/ctl.h"
	printf '#include "ctl.h"\n' >"$d/ctl/tool.c"
	printf '#include "eng.h"\n' >"$d/tests/unit/check_eng.c"
	: >"$d/daemon/eng.h"
}

# expect NAME RC PATTERN: runs the checker on $tmp/NAME, wants exit RC and,
# for RC 1, exactly one violation, matching the grep -E PATTERN.
expect() {
	out=$($check --root "$tmp/$1" 2>&1); rc=$?
	ok=1
	[ "$rc" -eq "$2" ] || ok=0
	printf '%s\n' "$out" | grep -Eq -- "$3" || ok=0
	if [ "$2" -eq 1 ]; then
		printf '%s\n' "$out" | grep -q '^check-layers: 1 violation (' || ok=0
	fi
	if [ $ok -eq 1 ]; then
		pass=$((pass + 1)); echo "ok   $1: $(printf '%s\n' "$out" | grep -E -- "$3" | head -1)"
	else
		fail=$((fail + 1)); echo "FAIL $1 (exit $rc, wanted $2 and /$3/):"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

clean clean
expect clean 0 '^check-layers: 0 violations \(14 files, 12 includes\)$'

clean upward
printf '#include "frame.h"\n#include "wire.h"\n' >"$tmp/upward/proto/frame.c"
expect upward 1 '^proto/frame.c:2: upward include: frame \(layer 0\) includes wire.h of wire \(layer 1\)$'

clean side
printf '#include "ctl.h"\n#include "wire.h"\n' >"$tmp/side/ctl/tool.c"
expect side 1 '^ctl/tool.c:2: upward include: ctl \(layer ctl\) includes wire.h of wire \(layer 1\)$'

clean into-side
printf '#include "ctl.h"\n' >"$tmp/into-side/daemon/eng.h"
expect into-side 1 '^daemon/eng.h:1: upward include: eng \(layer 2\) includes ctl.h of ctl \(layer ctl\)$'

clean cycle
printf '#include "frag.h"\n' >"$tmp/cycle/daemon/wire.c"
expect cycle 1 '^daemon/frag.h:1: include cycle frag -> wire -> frag \(wire at daemon/frag.h:1; frag at daemon/wire.c:1\)$'

clean private
printf '#include "frag.h"\n#include "store_impl.h"\n' >"$tmp/private/daemon/eng.c"
expect private 1 '^daemon/eng.c:2: includes store_impl.h, private to module store$'

clean private-test
printf '#include "store_impl.h"\n' >"$tmp/private-test/tests/unit/check_x.c"
expect private-test 1 '^tests/unit/check_x.c:1: includes private store_impl.h'

clean long
seq 801 | sed 's|^|// |' >"$tmp/long/daemon/frag.c"
expect long 1 '^daemon/frag.c:801: 801 lines, over the limit of 800$'

clean long-test
seq 1001 | sed 's|^|// |' >"$tmp/long-test/tests/unit/check_eng.c"
seq 1000 | sed 's|^|// |' >"$tmp/long-test/tests/unit/check_ok.c"
expect long-test 1 '^tests/unit/check_eng.c:1001: 1001 lines, over the limit of 1000$'

clean missing
printf '#include "base.h"\n' >"$tmp/missing/daemon/foo.c"
expect missing 1 '^daemon/foo.c:1: module foo is not in the layer table of docs/HACKING.md$'

clean unknown
printf '#include "wire.h"\n#include "nowhere.h"\n' >"$tmp/unknown/daemon/wire.c"
expect unknown 1 '^daemon/wire.c:2: includes nowhere.h, which is in no module'

clean badtable
sed -i 's/^| 2 |/| two |/' "$tmp/badtable/docs/HACKING.md"
expect badtable 2 "layer must be N or"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
