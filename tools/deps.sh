#!/bin/sh
# Installs the Debian packages that building and testing emo need, when any
# are missing: with apt-get as root, through sudo otherwise.
set -eu
PKGS="build-essential pkg-config libevent-dev libprotobuf-c-dev protobuf-c-compiler
libleveldb-dev libsodium-dev check python3 python3-protobuf python3-nacl protobuf-compiler
man-db groff-base iproute2 nftables python3-prometheus-client"
# `deps.sh fuzz`: also what `make fuzz` needs (clang with libFuzzer).
[ "${1:-}" = fuzz ] && PKGS="$PKGS clang libclang-rt-dev"
# `deps.sh bench-compare`: only the OpenDHT reference peer that
# `make bench-compare` measures beside emod (not needed to build or test).
[ "${1:-}" = bench-compare ] && PKGS="dhtnode python3-opendht"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root or sudo to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing || {
	echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
