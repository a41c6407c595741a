#!/usr/bin/python3
# malformed.py — for every wire message type (PING .. ERROR), fragments and
# NACKs, sends one emod a valid encoding made hostile: every truncation, a
# sample of single flipped bits, length prefixes boosted (to huge values,
# and nested lengths past the remainder), repeated fields beyond their
# limits, wrong version and kind bytes, fragment headers with index >=
# count, count 0, huge totals, NACKs with absurd counts and bitmaps.
# tests/integration/udp_garbage.py covers random bytes and more fragment
# shapes; test_malformed.sh runs both.  Prints what it sent per class.
# Usage: malformed.py [--seed N] HOST:PORT
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

SOURCE = "127.0.0.55"


def boosted(msg, depth=0):
    """Copies of msg (a protobuf message) with one length prefix replaced:
    by huge values, by the remainder plus one, and, one level down, a
    nested length past the end of its parent."""
    try:
        fl = H.fields(msg)
    except ValueError:
        return
    pos = 0
    for tag, wt, v, raw in fl:
        if wt == 2:
            key = H.varint((tag << 3) | 2)
            rest = msg[pos + len(raw):]
            for n in (len(v) + 1, len(v) + len(rest) + 1, 0xFFFFFFFF,
                      1 << 31, (1 << 63) + 5, (1 << 64) - 1):
                yield msg[:pos] + key + H.varint(n) + v + rest
            # An overlong varint (11 bytes) as the length.
            yield msg[:pos] + key + b"\xff" * 10 + b"\x01" + v + rest
            if depth < 2:
                for inner in boosted(v, depth + 1):
                    yield msg[:pos] + H.fbytes(tag, inner) + rest
        pos += len(raw)


def repeated_beyond(rng):
    """Repeated fields past their limits (20 NodeInfo, 64 WireValue)."""
    me = os.urandom(32)
    now = int(time.time() * 1000)
    ni = H.node_info(os.urandom(32), "127.0.0.201", 4001)
    wv = H.wire_value(b"w", now, now + 60000)
    for n in (21, 25):
        yield "repeated: nodes x%d" % n, H.packet(me, rng.getrandbits(64), "nodes",
                                        H.fbytes(1, ni) * n)
        yield "repeated: values.nodes x%d" % n, H.packet(
            me, rng.getrandbits(64), "values", H.fbytes(2, ni) * n)
    for n in (65, 70):
        yield "repeated: values x%d" % n, H.packet(me, rng.getrandbits(64), "values",
                                         H.fbytes(1, wv) * n)
        yield "repeated: store x%d" % n, H.packet(
            me, rng.getrandbits(64), "store", H.fbytes(1, os.urandom(32)) +
            H.fbytes(2, wv) * n + H.fbytes(3, os.urandom(32)))
    # Two bodies in one Packet, a body with the wrong wire type.
    yield "two bodies", H.packet(me, 1, "ping") + H.fbytes(12, H.fbytes(1, me))
    yield "body as varint", H.packet(me, 1, "ping")[:-2] + H.fvar(10, 1)
    yield "sender 0 bytes", H.MAGIC + b"\x00" + H.fbytes(1, b"") + \
        H.ffixed64(2, 1) + H.fbytes(10, b"")
    yield "value 0 bytes", H.packet(me, 1, "store", H.fbytes(
        1, os.urandom(32)) + H.fbytes(2, H.wire_value(b"", now, now + 1)))
    yield "value expires before created", H.packet(me, 1, "store", H.fbytes(
        1, os.urandom(32)) + H.fbytes(2, H.wire_value(b"x", now, now - 1)))
    yield "error message 300 bytes", H.packet(
        me, 1, "error", H.fvar(1, 1) + H.fbytes(2, b"e" * 300))
    yield "token 33 bytes", H.packet(me, 1, "find_value", H.fbytes(
        1, os.urandom(32)) + H.fbytes(4, os.urandom(33)))
    yield "ip 5 bytes", H.packet(me, 1, "nodes", H.fbytes(1, H.fbytes(
        1, os.urandom(32)) + H.fbytes(2, b"\x7f\0\0\1\1") + H.fvar(3, 5)))
    yield "port 70000", H.packet(me, 1, "pong", H.fbytes(
        1, b"\x7f\0\0\1") + H.fvar(2, 70000))


def fragment_cases(rng):
    me = os.urandom(32)
    now = int(time.time() * 1000)
    big = H.packet(me, rng.getrandbits(64), "store", H.fbytes(
        1, os.urandom(32)) + H.fbytes(2, H.wire_value(
            bytes(rng.getrandbits(8) for _ in range(3000)), now,
            now + 60000)) + H.fbytes(3, os.urandom(32)))
    good = H.fragment(big, rng.getrandbits(64))
    cnt = len(good)
    for name, idx, c, tot in (("index = count", cnt, cnt, len(big)),
                              ("index > count", cnt + 5, cnt, len(big)),
                              ("count 0", 0, 0, len(big)),
                              ("count 1 total 3000", 0, 1, 3000),
                              ("total huge", 0, cnt, 0xFFFFFFFF),
                              ("total 0", 0, cnt, 0),
                              ("total > max message", 0, 90, H.MAX_MESSAGE + 1),
                              ("count 65535", 1, 65535, len(big))):
        mid = rng.getrandbits(64)
        yield "frag " + name, H.frag(mid, idx, c, tot, good[0][20:])
    # Parts that disagree: the second says another count, then total.
    mid = rng.getrandbits(64)
    parts = H.fragment(big, mid)
    yield "frag conflicting", parts[0]
    yield "frag conflicting", H.frag(mid, 1, cnt + 1, len(big), parts[1][20:])
    yield "frag conflicting", H.frag(mid, 2, cnt, len(big) + 1, parts[2][20:])
    # Every truncation of a fragment's header; a flipped bit in each part.
    for n in range(0, 20):
        yield "frag truncated header", good[1][:n]
    mid = rng.getrandbits(64)
    for p in H.fragment(big, mid):
        b = rng.randrange(len(p) * 8)
        p = bytearray(p)
        p[b // 8] ^= 1 << (b % 8)
        yield "frag flipped bit", bytes(p)
    # A complete fragmented message whose Packet is cut short inside.
    mid = rng.getrandbits(64)
    short = big[:len(big) - 100]
    for p in H.fragment(short, mid):
        yield "frag of a cut Packet", p
    # A complete fragmented message whose inner header is wrong.
    mid = rng.getrandbits(64)
    for p in H.fragment(b"EM\x01\x00" + big[4:], mid):
        yield "frag inner version 1", p
    # NACKs: absurd counts and bitmaps, every truncation.
    for c, bm in ((0, b""), (65535, b"\xff" * 11), (83, b"\xff" * 11),
                  (3, b""), (3, b"\xff" * 300)):
        yield "nack count %d" % c, H.nack(rng.getrandbits(64), c, bm)
    for n in range(0, 15):
        yield "nack truncated", H.nack(1, 3, b"\x07")[:n]


def cases(rng):
    samples = H.sample_bodies(rng)
    for body, d in sorted(samples.items()):
        for n in range(len(d)):
            yield "%s truncated" % body, d[:n]
        for _ in range(48):
            b = rng.randrange(len(d) * 8)
            m = bytearray(d)
            m[b // 8] ^= 1 << (b % 8)
            yield "%s flipped bit" % body, bytes(m)
        for m in boosted(d[4:]):
            yield "%s length boosted" % body, d[:4] + m
        for v in (0, 1, 3, 0x7F, 0xFF):
            yield "%s version %d" % (body, v), d[:2] + bytes([v]) + d[3:]
        for k in (3, 4, 0x7F, 0xFF):
            yield "%s kind %d" % (body, k), d[:3] + bytes([k]) + d[4:]
        # The whole message sent as kind 1 and 2 (a Packet read as headers).
        yield "%s as fragment" % body, d[:3] + b"\x01" + d[4:]
        yield "%s as nack" % body, d[:3] + b"\x02" + d[4:]
    yield from repeated_beyond(rng)
    yield from fragment_cases(rng)


def main():
    args = sys.argv[1:]
    seed = int(time.time())
    if len(args) >= 2 and args[0] == "--seed":
        seed = int(args[1])
        args = args[2:]
    host, port = args[0].rsplit(":", 1)
    target = (H.loopback(host), int(port))
    print("seed %d" % seed)
    rng = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((SOURCE, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setblocking(False)
    per = {}
    n = 0
    for label, d in cases(rng):
        cls = label.split(" ", 1)[1] if label.split(" ", 1)[0] in H.TAGS \
            else label
        c = per.setdefault(cls, [0, 0])
        c[0] += 1
        c[1] += len(d)
        s.sendto(d, target)
        n += 1
        if n % 32 == 0:
            time.sleep(0.005)	# let the node keep up: count, not overflow
        if n % 256 == 0:
            try:
                while s.recv(70000):
                    pass
            except BlockingIOError:
                pass
    for cls in sorted(per):
        print("%-34s %6d datagrams %8d bytes" % (cls, per[cls][0], per[cls][1]))
    print("sent %d datagrams in all" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
