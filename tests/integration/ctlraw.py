#!/usr/bin/python3
# ctlraw.py — speaks raw bytes to emod's control socket for the integration
# tests: hand-built protobuf frames, garbage, bad prefixes, half-sent frames,
# pipelining, client limits and backpressure.
# Usage: ctlraw.py SOCKET SCENARIO [ARG...]; exit 0 ok, 1 failure, 2 usage.
import json
import os
import socket
import struct
import subprocess
import sys
import time

SLOW = int(os.environ.get("IT_SLOW", "1"))
WAIT_S = 5.0 * SLOW
MAX_RESPONSE = 48 << 20

ERR_NOT_FOUND = 2
ERR_VERSION = 4


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(tag, n):
    return varint(tag << 3) + varint(n)


def field_bytes(tag, data):
    return varint((tag << 3) | 2) + varint(len(data)) + data


def request(rid, body_tag, body=b"", version=1):
    return field_varint(1, version) + field_varint(2, rid) + \
        field_bytes(body_tag, body)


def status_req(rid):
    return request(rid, 12)


def get_req(rid, name):
    return request(rid, 11, field_bytes(2, name))


def frame(msg):
    return struct.pack(">I", len(msg)) + msg


def read_varint(buf, i):
    n = 0
    shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def parse(buf):
    """Returns {tag: [value, ...]} for varint and length-delimited fields."""
    fields = {}
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        tag, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            if i + n > len(buf):
                raise ValueError("field past the end")
            v = buf[i:i + n]
            i += n
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        fields.setdefault(tag, []).append(v)
    return fields


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(WAIT_S)
    s.connect(path)
    return s


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes"
                           % (len(buf), n))
        buf += chunk
    return bytes(buf)


def read_response(s):
    n, = struct.unpack(">I", recv_exact(s, 4))
    if n > MAX_RESPONSE:
        raise ValueError("response length %d over the limit" % n)
    return parse(recv_exact(s, n))


def response_id(resp):
    return resp.get(1, [0])[0]


def error_code(resp):
    if 2 not in resp:
        return None
    return parse(resp[2][0]).get(1, [0])[0]


def expect_close(s, what):
    """The daemon must close s by itself within WAIT_S (after answering or
    not).  Returns the bytes it sent first."""
    got = bytearray()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return bytes(got)
        if not chunk:
            return bytes(got)
        got += chunk
    raise AssertionError("%s: the daemon kept the connection open for %.0f s"
                         % (what, WAIT_S))


def check_status(path, what):
    """A fresh connection still gets a status answer with the right id."""
    s = connect(path)
    try:
        s.sendall(frame(status_req(4242)))
        resp = read_response(s)
    finally:
        s.close()
    if response_id(resp) != 4242 or 12 not in resp:
        raise AssertionError("%s: bad status response %r" % (what, resp))


def emoctl_status(path):
    emoctl = os.environ["EMOCTL"]
    r = subprocess.run([emoctl, "--socket", path, "--timeout", str(10 * SLOW),
                        "status"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=30 * SLOW)
    if r.returncode != 0:
        raise AssertionError("emoctl status exited %d: %s"
                             % (r.returncode, r.stderr.decode(errors="replace")))


def sc_garbage(path):
    # Wire type 7 does not exist: no protobuf decoder can accept this body.
    body = b"\x0f" + os.urandom(63)
    s = connect(path)
    s.sendall(frame(body))
    expect_close(s, "frame with an undecodable body")
    s.close()
    check_status(path, "after an undecodable body")

    # Truncated length-delimited field: field 2 claims 100 bytes, has 3.
    s = connect(path)
    s.sendall(frame(b"\x08\x01\x12\x64abc"))
    expect_close(s, "frame with a truncated field")
    s.close()
    check_status(path, "after a truncated field")

    # Random bytes, prefix included, then our side shuts down writing.
    for _ in range(5):
        s = connect(path)
        s.sendall(os.urandom(512))
        s.shutdown(socket.SHUT_WR)
        expect_close(s, "512 random bytes")
        s.close()
    check_status(path, "after random bytes")


def sc_bigprefix(path):
    for prefix, what in ((0xFFFFFFFF, "prefix 0xFFFFFFFF"),
                         (65537, "prefix 65537"),
                         (0x7FFFFFFF, "prefix 0x7FFFFFFF")):
        s = connect(path)
        s.sendall(struct.pack(">I", prefix))
        expect_close(s, what)
        s.close()
        check_status(path, "after " + what)


def sc_halfsent(path):
    # A client that stops in the middle of a frame must not stall others.
    stuck = connect(path)
    stuck.sendall(struct.pack(">I", 256) + b"\x08\x01\x10")
    stuck2 = connect(path)
    stuck2.sendall(b"\x00\x00")		# half a length prefix
    emoctl_status(path)
    check_status(path, "while two frames are half-sent")
    stuck.close()
    stuck2.close()

    # Half a frame then a hang-up.
    s = connect(path)
    s.sendall(frame(status_req(9))[:7])
    s.close()
    check_status(path, "after a client hung up mid-frame")

    # One frame written in three pieces is still one request.
    s = connect(path)
    f = frame(status_req(77))
    for part in (f[:2], f[2:6], f[6:]):
        s.sendall(part)
        time.sleep(0.1)
    resp = read_response(s)
    s.close()
    if response_id(resp) != 77 or 12 not in resp:
        raise AssertionError("frame sent in pieces: bad response %r" % resp)


def sc_pipeline(path):
    big = (1 << 40) + 5
    reqs = [
        (1, status_req(1), "status"),
        (2, get_req(2, b"pipe-missing-key"), "not_found"),
        (3, get_req(3, b"pipe-key"), "value"),
        (big, status_req(big), "status"),
        (5, status_req(5), "status"),
        (6, get_req(6, b"pipe-key"), "value"),
    ]
    s = connect(path)
    s.sendall(b"".join(frame(m) for _, m, _ in reqs))
    for rid, _, kind in reqs:
        resp = read_response(s)
        if response_id(resp) != rid:
            raise AssertionError("pipelined response id %d, expected %d"
                                 % (response_id(resp), rid))
        if kind == "status" and 12 not in resp:
            raise AssertionError("id %d: no status result: %r" % (rid, resp))
        if kind == "not_found" and error_code(resp) != ERR_NOT_FOUND:
            raise AssertionError("id %d: expected ERR_NOT_FOUND, got %r"
                                 % (rid, resp))
        if kind == "value":
            if 11 not in resp:
                raise AssertionError("id %d: no get result: %r" % (rid, resp))
            values = parse(resp[11][0]).get(2, [])
            data = [parse(v).get(1, [b""])[0] for v in values]
            if data != [b"pipe-value"]:
                raise AssertionError("id %d: values %r, expected "
                                     "[b'pipe-value']" % (rid, data))
    # The connection stays usable after the batch.
    s.sendall(frame(status_req(99)))
    resp = read_response(s)
    if response_id(resp) != 99:
        raise AssertionError("follow-up request: id %d" % response_id(resp))
    # A version the daemon does not speak gets ERR_VERSION with our id.
    s.sendall(frame(request(100, 12, version=99)))
    resp = read_response(s)
    if response_id(resp) != 100 or error_code(resp) != ERR_VERSION:
        raise AssertionError("version 99: expected ERR_VERSION for id 100, "
                             "got %r" % resp)
    s.close()

    # Several clients at once, each pipelining.
    conns = [connect(path) for _ in range(16)]
    for i, c in enumerate(conns):
        c.sendall(frame(status_req(1000 + i)) + frame(status_req(2000 + i)))
    for i, c in enumerate(conns):
        ids = [response_id(read_response(c)) for _ in range(2)]
        if ids != [1000 + i, 2000 + i]:
            raise AssertionError("client %d: ids %r" % (i, ids))
        c.close()


def sc_maxclients(path, n="4"):
    """With control_max_clients = n: n clients are served, one more is
    closed at once, and a slot frees up when a client leaves."""
    n = int(n)
    conns = []
    for i in range(n):
        c = connect(path)
        c.sendall(frame(status_req(300 + i)))
        if response_id(read_response(c)) != 300 + i:
            raise AssertionError("client %d of %d not served" % (i + 1, n))
        conns.append(c)
    extra = connect(path)
    try:
        extra.sendall(frame(status_req(400)))
    except OSError:
        pass
    expect_close(extra, "client %d over control_max_clients = %d" % (n + 1, n))
    extra.close()
    conns.pop().close()
    time.sleep(0.3)
    check_status(path, "after a client left a full server")
    for c in conns:
        c.close()


def sc_idle(path):
    """With control_idle_timeout = 1: a half-sent frame is dropped within a
    few seconds, an idle client with nothing half-sent may stay."""
    idle = connect(path)
    half = connect(path)
    half.sendall(struct.pack(">I", 100) + b"\x08")
    t0 = time.monotonic()
    expect_close(half, "half-sent frame with control_idle_timeout = 1")
    if time.monotonic() - t0 < 0.5:
        raise AssertionError("half-sent frame dropped before the timeout")
    half.close()
    time.sleep(max(0.0, 2.5 - (time.monotonic() - t0)))
    idle.sendall(frame(status_req(500)))
    if response_id(read_response(idle)) != 500:
        raise AssertionError("idle client not served after 2.5 s")
    idle.close()


def rss_kib(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sc_backpressure(path, pid):
    """A client that pipelines gets of a 32 KiB value and never reads must
    neither stall other clients nor make the daemon buffer without bound."""
    before = rss_kib(pid)
    greedy = connect(path)
    greedy.settimeout(2.0)
    req = frame(get_req(1, b"bp-key"))
    sent = 0
    try:
        while sent < 4000:
            greedy.sendall(req)
            sent += 1
    except socket.timeout:
        pass
    time.sleep(0.5)
    check_status(path, "while a client does not read %d answers" % sent)
    emoctl_status(path)
    grown = (rss_kib(pid) - before) // 1024
    sys.stdout.write("greedy client sent %d gets, daemon RSS grew %d MiB\n"
                     % (sent, grown))
    if grown > 64:
        raise AssertionError("daemon RSS grew %d MiB for one client that "
                             "does not read" % grown)
    # Reading everything back works: answers arrive in order.
    for i in range(min(sent, 50)):
        resp = read_response(greedy)
        if response_id(resp) != 1 or 11 not in resp:
            raise AssertionError("greedy answer %d: %r" % (i, resp.keys()))
    greedy.close()
    check_status(path, "after the greedy client left")


def ctl_counter(path, name):
    emoctl = os.environ["EMOCTL"]
    r = subprocess.run([emoctl, "--socket", path, "--timeout", str(10 * SLOW),
                        "--json", "status"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30 * SLOW)
    if r.returncode != 0:
        raise AssertionError("emoctl status exited %d: %s"
                             % (r.returncode, r.stderr.decode(errors="replace")))
    return json.loads(r.stdout)["counters"][name]


def sc_stalled(path, timeout_s):
    """With control_output_timeout = timeout_s: a client that pipelines gets
    of a 32 KiB value and never reads is dropped once more than 1 MiB waits
    for it and it has taken none for timeout_s; others are served all along."""
    timeout_s = float(timeout_s)
    greedy = connect(path)
    greedy.settimeout(1.0)
    req = frame(get_req(1, b"bp-key"))
    sent = 0
    stalled = time.monotonic()
    try:
        while sent < 4000:
            greedy.sendall(req)
            sent += 1
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass
    deadline = stalled + timeout_s + 10.0 * SLOW
    while ctl_counter(path, "ctl_dropped_output") < 1:
        check_status(path, "while a client does not read its answers")
        if time.monotonic() > deadline:
            raise AssertionError("a client that read none of its answers "
                                 "(%d gets) was not dropped within %.0f s"
                                 % (sent, deadline - stalled))
        time.sleep(0.2)
    waited = time.monotonic() - stalled
    if waited < timeout_s - 0.5:
        raise AssertionError("dropped after %.1f s, before the %.0f s of "
                             "control_output_timeout" % (waited, timeout_s))
    # What the kernel already held can be read; then the end.
    got = 0
    greedy.settimeout(WAIT_S)
    while True:
        try:
            chunk = greedy.recv(1 << 16)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += len(chunk)
        if got > (64 << 20):
            raise AssertionError("still reading after 64 MiB")
    greedy.close()
    sys.stdout.write("stalled client sent %d gets, dropped after %.1f s, "
                     "%d bytes were in flight\n" % (sent, waited, got))
    check_status(path, "after the stalled client was dropped")


def sc_pingname(path, address):
    """A ping of a host name straight to the daemon (not through emoctl) is
    refused with ERR_INVALID, saying a numeric address is needed: emod does
    no DNS in its loop."""
    s = connect(path)
    s.sendall(frame(request(77, 14, field_bytes(1, address.encode()))))
    resp = read_response(s)
    s.close()
    if response_id(resp) != 77 or error_code(resp) != 1:
        raise AssertionError("ping %s: expected ERR_INVALID, got %r"
                             % (address, resp))
    msg = parse(resp[2][0]).get(2, [b""])[0]
    if b"numeric address" not in msg:
        raise AssertionError("ping %s: message %r does not ask for a "
                             "numeric address" % (address, msg))
    sys.stdout.write("emod: %s\n" % msg.decode(errors="replace"))


def put_pipelined(path, count, key_of, size, extra=b""):
    """Puts COUNT values of SIZE bytes, 32 pipelined at a time: value i is
    i in 8 decimal digits, then 'x' up to SIZE, under the key key_of(i),
    with EXTRA fields.  Every answer must be a put's, in order."""
    s = connect(path)
    for start in range(0, count, 32):
        batch = range(start, min(count, start + 32))
        msgs = []
        for i in batch:
            value = (b"%08d" % i).ljust(size, b"x")
            msgs.append(frame(request(i + 1, 10, field_bytes(2, key_of(i))
                                      + field_bytes(3, value) + extra)))
        s.sendall(b"".join(msgs))
        for i in batch:
            resp = read_response(s)
            if response_id(resp) != i + 1 or 10 not in resp:
                raise AssertionError("put %d: %r" % (i, resp))
    s.close()


def sc_putmany(path, name, count, size, ttl_s="0"):
    """Puts COUNT distinct values of SIZE bytes under NAME (put_pipelined);
    with TTL_S, each for that many seconds."""
    ttl_s = int(ttl_s)
    put_pipelined(path, int(count), lambda i: name.encode(), int(size),
                  field_varint(4, ttl_s) if ttl_s > 0 else b"")


def sc_putkeys(path, prefix, count, size):
    """Puts one value of SIZE bytes under each of COUNT keys PREFIX-i
    (put_pipelined)."""
    put_pipelined(path, int(count),
                  lambda i: ("%s-%d" % (prefix, i)).encode(), int(size))


SCENARIOS = {
    "garbage": sc_garbage,
    "bigprefix": sc_bigprefix,
    "halfsent": sc_halfsent,
    "pipeline": sc_pipeline,
    "maxclients": sc_maxclients,
    "idle": sc_idle,
    "backpressure": sc_backpressure,
    "stalled": sc_stalled,
    "pingname": sc_pingname,


    "putmany": sc_putmany,
    "putkeys": sc_putkeys,
}


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in SCENARIOS:
        sys.stderr.write("usage: ctlraw.py SOCKET %s [ARG...]\n"
                         % "|".join(SCENARIOS))
        return 2
    try:
        SCENARIOS[sys.argv[2]](sys.argv[1], *sys.argv[3:])
    except (AssertionError, OSError, EOFError, ValueError, TypeError,
            subprocess.TimeoutExpired) as e:
        sys.stderr.write("ctlraw %s: %s: %s\n"
                         % (sys.argv[2], type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
