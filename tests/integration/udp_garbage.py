#!/usr/bin/python3
# udp_garbage.py — sends malformed, truncated and hostile datagrams to emod
# nodes (loopback only), then checks that each still answers a valid PING.
# Usage: udp_garbage.py [--seed N] [--no-ping|--ping-only] HOST:PORT...
# Exit 0 ok, 1 failure.  Prints what was sent to each node and what came
# back.  The PING carries no cookie, so it is padded to 89 bytes, just
# room for the PONG: no admission ping comes back and this script never
# enters a routing table (run --ping-only last all the same).
import os
import random
import socket
import struct
import sys
import time

SLOW = int(os.environ.get("IT_SLOW", "1"))
MAGIC = b"EM\x02"
KIND_WHOLE, KIND_FRAG, KIND_NACK = 0, 1, 2
FRAG_PAYLOAD_MAX = 1212
MAX_MESSAGE = 98304


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def fbytes(tag, data):
    return varint((tag << 3) | 2) + varint(len(data)) + data


def ping_packet(sender, txid, pad=0):
    # Packet{sender = 1, txid = 2 (fixed64), pad = 4, ping = 10 (empty)};
    # a PING without a cookie must be padded to 89 bytes for its PONG to
    # fit under the amplification rule (docs/PROTOCOL.md, "Cookies").
    return (fbytes(1, sender) + varint((2 << 3) | 1) + struct.pack("<Q", txid)
            + (fbytes(4, bytes(pad)) if pad else b"") + fbytes(10, b""))


def frag(msg_id, index, count, total, payload):
    return (MAGIC + bytes([KIND_FRAG]) + struct.pack(">QHHI", msg_id, index,
            count, total) + payload)


def nack(msg_id, count, bitmap):
    return MAGIC + bytes([KIND_NACK]) + struct.pack(">QH", msg_id, count) + bitmap


def garbage(rng):
    """Yields (label, datagram)."""
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
    yield "empty", b""
    for n in (1, 2, 3):
        yield "short header", (MAGIC + b"\x00")[:n]
    for _ in range(60):
        yield "random", rb(rng.randint(1, 1400))
    for kind in list(range(0, 8)) + [127, 255]:
        for n in (0, 1, 5, 19, 40, 300):
            yield "magic+garbage", MAGIC + bytes([kind]) + rb(n)
    for ver in (0, 1, 3, 255):
        yield "bad version", b"EM" + bytes([ver, 0]) + rb(30)
    yield "bad magic", b"ME\x02\x00" + rb(30)

    # Whole messages that are not valid Packets.
    sender = rb(32)
    good = MAGIC + b"\x00" + ping_packet(sender, 0x1122334455667788)
    for n in range(4, len(good)):
        yield "truncated ping", good[:n]
    yield "sender 31 bytes", MAGIC + b"\x00" + ping_packet(sender[:31], 1)
    yield "sender 33 bytes", MAGIC + b"\x00" + ping_packet(sender + b"x", 1)
    yield "field past the end", MAGIC + b"\x00" + b"\x0a\xff\xff\xff\x0f" + rb(20)
    yield "varint overlong", MAGIC + b"\x00" + b"\x08" + b"\xff" * 11
    yield "wire type 7", MAGIC + b"\x00" + b"\x0f" + rb(40)
    yield "unknown body", MAGIC + b"\x00" + fbytes(1, sender) + fbytes(99, b"")
    yield "no body", MAGIC + b"\x00" + fbytes(1, sender)
    yield "nodes, 4000 entries claimed", MAGIC + b"\x00" + fbytes(1, sender) + \
        varint((13 << 3) | 2) + varint(4000) + rb(100)

    # Fragment headers with absurd numbers.
    for idx, cnt, tot in ((255, 255, 0xFFFFFFFF), (255, 255, 0), (0, 0, 100),
                          (300, 2, 2000), (1, 1, 1000), (0, 65535, 0xFFFFFFFF),
                          (65535, 65535, MAX_MESSAGE), (0, 2, 1),
                          (0, 83, 83 * FRAG_PAYLOAD_MAX), (0, 2, MAX_MESSAGE + 1),
                          (0, 1, 10)):
        mid = rng.getrandbits(64)
        yield "frag %d/%d total %d" % (idx, cnt, tot), frag(mid, idx, cnt, tot, rb(100))
    # The Go crash: one 40-byte datagram with fragment fields 255/255.
    yield "40-byte frag 255/255", frag(rng.getrandbits(64), 255, 255, 255, rb(20))
    yield "40 random bytes", rb(40)
    yield "40 x 0xff", b"\xff" * 40
    yield "40 x 0x00", b"\x00" * 40
    yield "40-byte magic 0xff", MAGIC + b"\xff" * 37
    for n in range(4, 20):
        yield "truncated frag header", frag(1, 0, 2, 2000, b"")[:n]
    # Payload longer than the total, or than a fragment may carry.
    yield "payload > total", frag(rng.getrandbits(64), 0, 1, 10, rb(500))
    yield "payload > max", frag(rng.getrandbits(64), 0, 2, 3000, rb(1400))
    # The same part twice, then a conflicting last part.
    mid = rng.getrandbits(64)
    for _ in range(3):
        yield "duplicate part", frag(mid, 0, 2, 1300, rb(FRAG_PAYLOAD_MAX))
    yield "conflicting count", frag(mid, 1, 3, 1300, rb(88))
    # A message whose reassembled bytes are garbage.
    mid = rng.getrandbits(64)
    body = MAGIC + b"\x00" + rb(1500)
    yield "garbage reassembled", frag(mid, 0, 2, len(body), body[:FRAG_PAYLOAD_MAX])
    yield "garbage reassembled", frag(mid, 1, 2, len(body), body[FRAG_PAYLOAD_MAX:])
    # Many partial messages from one source: reassembly must cap them.
    for _ in range(200):
        yield "partial", frag(rng.getrandbits(64), 0, 3, 3000, rb(FRAG_PAYLOAD_MAX))
    # NACKs for messages never sent, absurd or truncated.
    for cnt, bm in ((65535, b"\xff" * 11), (0, b""), (82, b"\xff" * 11),
                    (2, b"\xff" * 200), (255, b"\x01")):
        yield "nack %d" % cnt, nack(rng.getrandbits(64), cnt, bm)
    for n in range(4, 14):
        yield "truncated nack", nack(1, 2, b"\x03")[:n]
    # Larger than any datagram emod sends.
    yield "oversize 2000", MAGIC + b"\x00" + rb(1996)
    yield "oversize 65000", MAGIC + b"\x01" + rb(64996)


def main():
    args = sys.argv[1:]
    seed = int(time.time())
    send_garbage = send_ping = True
    while args and args[0].startswith("--"):
        if args[0] == "--seed" and len(args) >= 2:
            seed = int(args[1])
            args = args[2:]
        elif args[0] == "--no-ping":
            send_ping = False
            args = args[1:]
        elif args[0] == "--ping-only":
            send_garbage = False
            args = args[1:]
        else:
            args = []
    if not args:
        print("usage: udp_garbage.py [--seed N] [--no-ping|--ping-only] HOST:PORT...")
        return 2
    targets = []
    for a in args:
        host, port = a.rsplit(":", 1)
        if not host.startswith("127."):
            print("refusing non-loopback target %s" % a)
            return 2
        targets.append((host, int(port)))
    print("seed %d" % seed)
    rng = random.Random(seed)
    dgrams = list(garbage(rng)) if send_garbage else []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    for t in targets if send_garbage else []:
        for k, (_, d) in enumerate(dgrams):
            s.sendto(d, t)
            if k % 64 == 63:
                time.sleep(0.005)	# let the node keep up: count, not overflow
        print("%s:%d: sent %d datagrams (%d bytes)"
              % (t[0], t[1], len(dgrams), sum(len(d) for _, d in dgrams)))

    # Nothing but NACKs may come back; then a real PING must get a PONG.
    replies = {}
    s.settimeout(0.5 * SLOW)
    end = time.monotonic() + 1.0 * SLOW
    while send_garbage and time.monotonic() < end:
        try:
            d, src = s.recvfrom(70000)
        except socket.timeout:
            break
        kind = d[3] if len(d) >= 4 and d[:3] == MAGIC else -1
        replies[kind] = replies.get(kind, 0) + 1
    if send_garbage:
        print("replies to garbage by kind: %s" % (replies or "none"))
    bad = {k: v for k, v in replies.items() if k != KIND_NACK}
    ok = not bad
    if bad:
        print("FAIL: answers to garbage other than NACKs: %s" % bad)
    me = bytes(rng.getrandbits(8) for _ in range(32))
    for t in targets if send_ping else []:
        txid = rng.getrandbits(64)
        pkt = MAGIC + b"\x00" + ping_packet(me, txid, 38)
        assert len(pkt) == 89
        got = False
        for attempt in range(3):
            s.sendto(pkt, t)
            end = time.monotonic() + 1.0 * SLOW
            while time.monotonic() < end and not got:
                try:
                    d, src = s.recvfrom(70000)
                except socket.timeout:
                    break
                if src == t and d[:4] == MAGIC + b"\x00" and \
                        struct.pack("<Q", txid) in d:
                    got = True
            if got:
                break
        print("%s:%d: %s" % (t[0], t[1], "answers PING" if got else "FAIL: no PONG"))
        ok = ok and got
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
