# hostile.py — shared helpers of the hostile-peer tier (tests/hostile):
# a tiny protobuf encoder/decoder for emo's wire messages (proto/wire.proto,
# docs/PROTOCOL.md), the datagram framing (whole / fragment / NACK), an
# AF_PACKET capture of UDP on `lo`, raw IPv4 sends with a forged source
# address from 127.0.0.0/8, and emoctl status counters.  Python 3 stdlib
# only; the capture and the forged sends need root.  Loopback only: every
# function refuses an address outside 127.0.0.0/8.
import json
import os
import socket
import struct
import subprocess
import threading
import time

SLOW = int(os.environ.get("IT_SLOW", "1"))
MAGIC = b"EM\x02"
KIND_WHOLE, KIND_FRAG, KIND_NACK = 0, 1, 2
FRAG_HDR = struct.Struct(">QHHI")	# msg_id index count total
NACK_HDR = struct.Struct(">QH")	# msg_id count
DGRAM_MAX = 1232
FRAG_PAYLOAD_MAX = 1212
MAX_MESSAGE = 98304

# Packet.body oneof tags (proto/wire.proto).
BODIES = {10: "ping", 11: "pong", 12: "find_node", 13: "nodes",
          14: "find_value", 15: "values", 16: "store", 17: "store_ack",
          18: "error"}
TAGS = {v: k for k, v in BODIES.items()}
REQUESTS = ("ping", "find_node", "find_value", "store")


def need_root():
    if os.geteuid() != 0:
        print("SKIP: needs root (raw sockets / network namespaces)")
        raise SystemExit(77)


def loopback(ip):
    if not ip.startswith("127."):
        raise SystemExit("refusing non-loopback address %s" % ip)
    return ip


# ---- protobuf ----------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def rvarint(buf, i):
    n = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def fvar(tag, n):
    return varint(tag << 3) + varint(n)


def fbytes(tag, data):
    return varint((tag << 3) | 2) + varint(len(data)) + data


def ffixed64(tag, n):
    return varint((tag << 3) | 1) + struct.pack("<Q", n)


def fields(buf, partial=False):
    """[(tag, wire_type, value, raw)] of one message; raw is the field's
    whole encoding, so unknown fields can be copied as they are.  With
    partial, a message cut short yields the fields before the cut."""
    out = []
    try:
        _fields(buf, out, partial)
    except ValueError:
        if not partial:
            raise
    return out


def _fields(buf, out, partial):
    i = 0
    while i < len(buf):
        start = i
        key, i = rvarint(buf, i)
        tag, wt = key >> 3, key & 7
        if wt == 0:
            v, i = rvarint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = rvarint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        if i > len(buf):
            if partial and wt == 2:
                out.append((tag, wt, v, buf[start:]))	# cut short
            raise ValueError("field past the end")
        out.append((tag, wt, v, buf[start:i]))


def packet(sender, txid, body, inner=b"", pad_to=0):
    """A whole datagram; pad_to: grow it with Packet.pad (tag 4) to that
    many bytes, as emod pads a first contact (the amplification rule
    answers an unproven request with at most its own size)."""
    d = (MAGIC + bytes([KIND_WHOLE]) + fbytes(1, sender) +
         ffixed64(2, txid) + fbytes(TAGS[body], inner))
    n = pad_to - len(d) - 2
    if n > 0:
        while len(d + fbytes(4, bytes(n))) > pad_to:
            n -= 1
        d += fbytes(4, bytes(n))
    return d


PAD_PING = 89	# daemon/rpc.h RPC_PAD_PING_LEN: the largest PONG fits


def node_info(nid, ip, port):
    return fbytes(1, nid) + fbytes(2, socket.inet_aton(ip)) + fvar(3, port)


def wire_value(data, created_ms, expires_ms):
    return (fbytes(1, data) + fvar(2, zigzag(created_ms)) +
            fvar(3, zigzag(expires_ms)))


def sample_bodies(rng):
    """A valid encoding of every message type: {body name: whole datagram}."""
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
    me = rb(32)
    now = int(time.time() * 1000)
    ni = node_info(rb(32), "127.0.0.200", 4000)
    wv = wire_value(b"v" * 100, now, now + 60000)
    inner = {
        "ping": b"",
        "pong": fbytes(1, socket.inet_aton("127.0.0.1")) + fvar(2, 4000),
        "find_node": fbytes(1, rb(32)),
        "nodes": ni * 3 + fbytes(2, rb(32)),
        "find_value": fbytes(1, rb(32)) + fvar(2, 0) + fvar(3, 0),
        "values": fbytes(1, wv) * 2 + fbytes(2, ni) + fbytes(3, rb(32)) +
                  fvar(5, 2),
        "store": fbytes(1, rb(32)) + fbytes(2, wv) + fbytes(3, rb(32)),
        "store_ack": fvar(1, 1),
        "error": fvar(1, 1) + fbytes(2, b"hostile test"),
    }
    return {b: packet(me, rng.getrandbits(64), b, x) for b, x in inner.items()}


# ---- datagrams ---------------------------------------------------------

def classify(d):
    """(kind, body name or None, txid or None) of one datagram; kind -1 if
    it has no emo header.  A fragment's body is that of the message it
    starts (index 0), else None."""
    if len(d) < 4 or d[:3] != MAGIC:
        return -1, None, None
    kind = d[3]
    if kind == KIND_FRAG and len(d) >= 4 + FRAG_HDR.size:
        _, idx, _, _ = FRAG_HDR.unpack_from(d, 4)
        if idx != 0:
            return kind, None, None
        d = d[4 + FRAG_HDR.size:]
        if d[:4] != MAGIC + bytes([KIND_WHOLE]):
            return kind, None, None
        kind = KIND_FRAG
    elif kind != KIND_WHOLE:
        return kind, None, None
    body = txid = None
    # A fragment's first part ends in the middle of a field: partial.
    for tag, wt, v, _ in fields(d[4:], partial=True):
        if tag == 2 and wt == 1:
            txid = struct.unpack("<Q", v)[0]
        elif tag in BODIES and wt == 2:
            body = BODIES[tag]
    return kind, body, txid


def retxid(d, txid):
    """A whole-message datagram with its txid replaced; other fields,
    known or not, are kept byte for byte."""
    out = bytearray(d[:4])
    for tag, wt, _, raw in fields(d[4:]):
        out += ffixed64(2, txid) if (tag == 2 and wt == 1) else raw
    return bytes(out)


def frag(msg_id, index, count, total, payload):
    return MAGIC + bytes([KIND_FRAG]) + FRAG_HDR.pack(msg_id, index, count,
                                                      total) + payload


def nack(msg_id, count, bitmap):
    return MAGIC + bytes([KIND_NACK]) + NACK_HDR.pack(msg_id, count) + bitmap


def fragment(msg, msg_id):
    """Splits a whole message (header included) as emod does."""
    parts = [msg[i:i + FRAG_PAYLOAD_MAX]
             for i in range(0, len(msg), FRAG_PAYLOAD_MAX)]
    return [frag(msg_id, i, len(parts), len(msg), p)
            for i, p in enumerate(parts)]


# ---- capture and forged sends -----------------------------------------

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class Capture:
    """UDP datagrams seen on `lo` (each once: outgoing copies skipped) as
    (time, src_ip, src_port, dst_ip, dst_port, payload), kept while
    keep(src, sport, dst, dport) says so."""

    def __init__(self, keep):
        self.keep = keep
        self.seen = []
        self.stop_flag = False
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.s.bind(("lo", ETH_P_ALL))
        self.s.settimeout(0.1)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_flag:
            try:
                f, a = self.s.recvfrom(70000)
            except socket.timeout:
                continue
            if a[2] == PACKET_OUTGOING or len(f) < 14 + 28:
                continue
            ip = f[14:]
            if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
                continue
            ihl = (ip[0] & 15) * 4
            if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
                continue	# an IP fragment: emod never sends those
            src = socket.inet_ntoa(ip[12:16])
            dst = socket.inet_ntoa(ip[16:20])
            sport, dport, ulen = struct.unpack(">HHH", ip[ihl:ihl + 6])
            payload = bytes(ip[ihl + 8:ihl + ulen])
            if self.keep(src, sport, dst, dport):
                self.seen.append((time.monotonic(), src, sport, dst, dport,
                                  payload))

    def stop(self):
        self.stop_flag = True
        self.t.join()
        self.s.close()
        return self.seen


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Spoofer:
    """Sends UDP datagrams with any 127/8 source address (IP_HDRINCL)."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                               socket.IPPROTO_RAW)
        self.s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sent = 0		# UDP payload bytes
        self.datagrams = 0

    def send(self, src, dst, payload):
        sip, sport = src
        dip, dport = dst
        s4 = socket.inet_aton(loopback(sip))
        d4 = socket.inet_aton(loopback(dip))
        ulen = 8 + len(payload)
        udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
        c = _csum(s4 + d4 + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
                  + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, 64,
                         socket.IPPROTO_UDP, 0, s4, d4)
        self.s.sendto(ip + udp, (dip, 0))
        self.sent += len(payload)
        self.datagrams += 1


# ---- emoctl ------------------------------------------------------------

def status(sock):
    """`emoctl --json status` of the node at sock, as a dict."""
    out = subprocess.run([os.environ["EMOCTL"], "--socket", sock, "--json",
                          "--timeout", str(10 * SLOW), "status"],
                         stdout=subprocess.PIPE, timeout=30 * SLOW,
                         check=True).stdout
    return json.loads(out)


def counters(sock):
    return status(sock)["counters"]


def ping_ok(target, tries=3, src_ip="127.0.0.1"):
    """True if target answers a PING from a fresh socket with a PONG."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((loopback(src_ip), 0))
    s.settimeout(0.5 * SLOW)
    me = os.urandom(32)
    try:
        for _ in range(tries):
            txid = int.from_bytes(os.urandom(8), "little")
            s.sendto(packet(me, txid, "ping", pad_to=PAD_PING), target)
            end = time.monotonic() + 1.0 * SLOW
            while time.monotonic() < end:
                try:
                    d, src = s.recvfrom(70000)
                except socket.timeout:
                    break
                if src == target and classify(d)[1:] == ("pong", txid):
                    return True
        return False
    finally:
        s.close()
