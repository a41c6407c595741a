#!/bin/sh
# run.sh EMOD [EMOD OPTIONS...] — `make run`: one emod in the foreground in
# a sandbox under build/run/ (its own data directory, control socket and a
# free UDP port on loopback), so that it never shares the identity, store
# or socket of an installed service, even as root.  Options after EMOD
# (make run ARGS="...") come last and win: --listen 0.0.0.0:9000 to be
# reachable from other hosts, --bootstrap HOST:PORT to join a network.
set -eu

emod=$1
shift
dir=$(pwd)/build/run
sock=$dir/emod.sock

# sun_path holds 107 bytes and a NUL.
if [ ${#sock} -gt 107 ]; then
	echo "make run: $sock is longer than a Unix socket path may be" \
	    "(107 bytes); build from a shorter directory" >&2
	exit 1
fi
mkdir -p "$dir/data"

# True if anything on this host uses UDP port $1 (local or remote end).
port_busy() {
	grep -q ":$(printf '%04X' "$1") " /proc/net/udp /proc/net/udp6 2>/dev/null
}

port=9000
while port_busy "$port"; do
	port=$((port + 1))
	if [ "$port" -gt 9099 ]; then
		echo "make run: no free UDP port in 9000..9099" >&2
		exit 1
	fi
done

cat <<MSG
make run: emod in build/run/: data build/run/data, UDP 127.0.0.1:$port,
make run: control socket build/run/emod.sock.  In another shell, here:
    export EMO_SOCKET=build/run/emod.sock
    ./build/emoctl status
make run: other nodes join it with --bootstrap 127.0.0.1:$port; Ctrl-C stops it.
MSG
exec "$emod" -v --data-dir "$dir/data" --socket "$sock" \
    --listen "127.0.0.1:$port" "$@"
