# lib.sh — sourced by the hostile-peer tests (tests/hostile), directly or
# through tests/integration/cluster.sh: skips without root (raw sockets,
# AF_PACKET capture, network namespaces), then everything of the
# integration tier's lib.sh (temp dir, emod on 127.0.0.0/8, emoctl
# wrappers, killing only our own PIDs).  H_PY names the test's Python.

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (raw sockets / network namespaces)"
	exit 77
fi
HOSTILE_DIR=$(cd "$(dirname "$0")" && pwd)
. "$HOSTILE_DIR/../integration/lib.sh"
export EMOCTL
