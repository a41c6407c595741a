#!/bin/sh
# run-all.sh — the hostile-peer tier: every tests/hostile/test_*.sh and
# test_*.py in name order, through the integration tier's runner
# (tests/integration/run-all.sh: a time limit each, PASS/FAIL/SKIP per
# test, a final "hostile: N passed, N failed[, N skipped] (T s)" line,
# exit 1 if any test failed).  The tests need root (raw sockets, AF_PACKET
# capture, network namespaces); without it each one prints "SKIP: needs
# root ..." and exits 77, and the summary counts the skips.
#
# Usage (from the repo root, as `make hostile` does):
#   EMOD=/abs/emod EMOCTL=/abs/emoctl [SANITIZE=...] sh tests/hostile/run-all.sh [NAME...]
# NAME limits the run to test_NAME.sh or test_NAME.py.  TEST_TIMEOUT
# overrides 300 s; KEEP=1 keeps the logs.

dir=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] ||
    echo "hostile: not root: every test will skip (raw sockets / network namespaces need root)"
PYTHONDONTWRITEBYTECODE=1 RUN_DIR=$dir TIER=hostile \
    exec sh "$dir/../integration/run-all.sh" "$@"
