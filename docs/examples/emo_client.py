#!/usr/bin/python3
"""emo_client.py — a client of emod's control socket in plain Python.

It speaks the protocol of docs/PROTOCOL.md with the standard protobuf
runtime (Debian: python3-protobuf) and code generated from
proto/control.proto:

    protoc --proto_path=proto --python_out=DIR proto/control.proto

which writes DIR/control_pb2.py.  Pass DIR with --pb-dir (or EMO_PB_DIR, or
put it on PYTHONPATH).  Without any of these, the script generates the
module itself into a temporary directory when it runs from the source tree
and protoc is installed.

As a program:

    emo_client.py [--socket PATH] put KEY VALUE [--ttl SECONDS] [--min-acks N]
    emo_client.py [--socket PATH] get KEY
    emo_client.py [--socket PATH] status
    emo_client.py [--socket PATH] watch KEY [--since UNIX_MS] [--count N]
    emo_client.py [--socket PATH] put-signed KEYFILE NAME VALUE [--seq N]
                                                           [--ttl SECONDS]
    emo_client.py [--socket PATH] get-signed PUBKEY NAME

Signed values (docs/PROTOCOL.md, "Signed and immutable values") need
PyNaCl (Debian: python3-nacl); KEYFILE is a key file of `emoctl keygen`
(64 bytes: seed, public key; mode 0600).  The script signs here (the
secret key is never sent) and lets the daemon derive the key:
hashlib has no Keccak-256 (its sha3_256 is another function).  get-signed
verifies every value again and prints the one of the highest seq.

Exit status as emoctl(1): 0 ok, 1 not found, 2 usage or invalid request,
3 daemon unreachable, 4 any other failure.

As a module: Client(path).put(key, value), .get(key), .status(),
.pipeline([...]) to send several requests in one write, and
.watch(key) — a generator of the values stored under key as they
arrive: the one request answered by a stream of Responses with its id.
"""

import argparse
import importlib
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

CTL_VERSION = 1
HDR = struct.Struct(">I")           # 4-byte big-endian length prefix
MAX_REQUEST = 65536                 # EMO_CTL_MAX_REQUEST
MAX_RESPONSE = 48 << 20             # EMO_CTL_MAX_RESPONSE
MAX_KEY_NAME = 1024                 # EMO_MAX_KEY_NAME

EXIT_OK, EXIT_NOTFOUND, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_FAIL = range(5)

pb = None       # the generated control_pb2 module, once loaded


class EmoError(Exception):
    """The daemon answered with an Error: code (an ErrorCode number),
    name (e.g. "ERR_NOT_FOUND") and the daemon's message."""

    def __init__(self, code, message):
        self.code = code
        try:
            self.name = pb.ErrorCode.Name(code)
        except ValueError:          # a code newer than our .proto
            self.name = "ERR_%d" % code
        self.message = message
        super().__init__("%s: %s" % (self.name, message))


class ProtocolError(Exception):
    """The connection broke or carried something that is not a Response."""


def _generate_pb(tmpdir):
    here = os.path.dirname(os.path.abspath(__file__))
    proto_dir = os.path.join(here, "..", "..", "proto")
    proto = os.path.join(proto_dir, "control.proto")
    protoc = shutil.which("protoc")
    if protoc is None or not os.path.isfile(proto):
        return False
    subprocess.run([protoc, "--proto_path=" + proto_dir,
                    "--python_out=" + tmpdir, proto], check=True)
    return True


def load_pb(pb_dir=None):
    """Imports control_pb2 from pb_dir, $EMO_PB_DIR or sys.path; as a last
    resort generates it from ../../proto/control.proto."""
    global pb
    if pb is not None:
        return pb
    for d in (pb_dir, os.environ.get("EMO_PB_DIR")):
        if d:
            sys.path.insert(0, d)
            break
    try:
        pb = importlib.import_module("control_pb2")
        return pb
    except ImportError:
        pass
    tmpdir = tempfile.mkdtemp(prefix="emo-pb-")
    try:
        if not _generate_pb(tmpdir):
            raise ImportError("control_pb2 not found: generate it with "
                              "protoc --python_out=DIR proto/control.proto "
                              "and pass --pb-dir DIR")
        sys.path.insert(0, tmpdir)
        pb = importlib.import_module("control_pb2")
    finally:
        # The module is in memory now; the directory is not needed.
        shutil.rmtree(tmpdir, ignore_errors=True)
    return pb


def default_socket():
    """The path emoctl would use: $EMO_SOCKET, else the per-user default."""
    env = os.environ.get("EMO_SOCKET")
    if env:
        return env
    if os.geteuid() == 0:
        return "/run/emo/emod.sock"
    rt = os.environ.get("XDG_RUNTIME_DIR")
    if rt and rt.startswith("/"):
        return os.path.join(rt, "emo", "emod.sock")
    return "/tmp/emo-%d/emod.sock" % os.geteuid()


class KeyBytes(bytes):
    """Marks 32 raw key bytes, as opposed to a name."""


def _key_fields(msg, key):
    """A str or bytes key is a name the daemon hashes; a KeyBytes is the
    raw 32-byte key."""
    if isinstance(key, KeyBytes):
        if len(key) != 32:
            raise ValueError("a raw key is 32 bytes")
        msg.key = bytes(key)
        return
    name = (key.encode("utf-8", "surrogateescape") if isinstance(key, str)
            else bytes(key))
    if len(name) > MAX_KEY_NAME:
        raise ValueError("a key name is at most %d bytes" % MAX_KEY_NAME)
    msg.name = name


def put_request(key, value, ttl_s=0, min_acks=0):
    req = pb.Request()
    _key_fields(req.put, key)
    req.put.value = value.encode() if isinstance(value, str) else value
    req.put.ttl_s = ttl_s
    # 0: the node's bar (itself and one peer, unless alone by design).
    req.put.min_acks = min_acks
    return req


def get_request(key, since_ms=0):
    req = pb.Request()
    _key_fields(req.get, key)
    req.get.since_ms = since_ms
    return req


def watch_request(key, since_ms=0, count=0):
    req = pb.Request()
    _key_fields(req.watch, key)
    req.watch.since_ms = since_ms
    req.watch.count = count
    return req


SIGNED_PREFIX = b"emo signed value v1"
SIGNED_NAME_MAX = 64
SIGNED_TTL_DEFAULT = 3600       # as emoctl: the node's default is unknown


def signed_input(name, seq, created_ms, ttl_s, value):
    """The exact bytes a signed value's signature covers."""
    if not 1 <= len(name) <= SIGNED_NAME_MAX:
        raise ValueError("a signed value's name is 1 to %d bytes" %
                         SIGNED_NAME_MAX)
    return (SIGNED_PREFIX + bytes([len(name)]) + name +
            struct.pack(">QqII", seq, created_ms, ttl_s, len(value)) + value)


def load_signing_key(path):
    """A key file of emoctl keygen, checked as emoctl checks it."""
    import nacl.signing
    st = os.stat(path)
    if st.st_mode & 0o077:
        raise ValueError("%s: mode %04o lets group or others read it; "
                         "chmod 600" % (path, st.st_mode & 0o777))
    with open(path, "rb") as f:
        raw = f.read(65)
    if len(raw) != 64:
        raise ValueError("%s: %d bytes, not 64" % (path, len(raw)))
    sk = nacl.signing.SigningKey(raw[:32])
    if bytes(sk.verify_key) != raw[32:]:
        raise ValueError("%s: the public key does not match the seed" % path)
    return sk


def signed_put_request(sk, name, value, seq=None, ttl_s=0, min_acks=0):
    """A put of a value signed with sk (nacl.signing.SigningKey) under
    Keccak-256(public key || name), which the daemon derives.  seq
    defaults to the creation time in Unix ms."""
    name = name.encode() if isinstance(name, str) else bytes(name)
    value = value.encode() if isinstance(value, str) else bytes(value)
    created = int(time.time() * 1000)
    ttl_s = ttl_s or SIGNED_TTL_DEFAULT
    seq = created if seq is None else seq
    sig = sk.sign(signed_input(name, seq, created, ttl_s, value)).signature
    req = pb.Request()
    req.put.value = value
    req.put.ttl_s = ttl_s
    req.put.min_acks = min_acks
    req.put.public_key = bytes(sk.verify_key)
    req.put.signed_name = name
    req.put.seq = seq
    req.put.signature = sig
    req.put.created_ms = created
    return req


def signed_get_request(pubkey, name):
    req = pb.Request()
    req.get.signed_by = bytes(pubkey)
    req.get.signed_name = name.encode() if isinstance(name, str) else name
    return req


def verify_signed(v, pubkey, name):
    """True if Value v is pubkey's signature over name and its fields."""
    import nacl.exceptions
    import nacl.signing
    name = name.encode() if isinstance(name, str) else bytes(name)
    life = v.expires_ms - v.created_ms
    if (v.public_key != bytes(pubkey) or v.signed_name != name or
            len(v.signature) != 64 or life <= 0 or life % 1000 or
            life // 1000 > 0xffffffff):
        return False
    msg = signed_input(name, v.seq, v.created_ms, life // 1000, v.data)
    try:
        nacl.signing.VerifyKey(bytes(pubkey)).verify(msg, v.signature)
    except (nacl.exceptions.BadSignatureError, ValueError):
        return False
    return True


def status_request():
    req = pb.Request()
    req.status.SetInParent()        # an empty message still selects the body
    return req


class Client:
    """One connection to emod.  Not thread-safe."""

    def __init__(self, path=None, timeout=10.0):
        load_pb()
        self.path = path or default_socket()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(self.path)
        except OSError:
            self.sock.close()
            raise
        # Random ids: nothing may rely on them being sequential.
        self._next_id = random.getrandbits(48) + 1

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _frame(self, req):
        req.version = CTL_VERSION
        if req.id == 0:
            req.id = self._next_id
            self._next_id += 1
        data = req.SerializeToString()
        if len(data) > MAX_REQUEST:
            raise ValueError("request of %d bytes is over the %d-byte limit"
                             % (len(data), MAX_REQUEST))
        return HDR.pack(len(data)) + data

    def _recv_exact(self, n):
        chunks = []
        while n > 0:
            b = self.sock.recv(min(n, 1 << 20))
            if not b:
                raise ProtocolError("emod closed the connection")
            chunks.append(b)
            n -= len(b)
        return b"".join(chunks)

    def read_response(self):
        (n,) = HDR.unpack(self._recv_exact(HDR.size))
        # Checked before reading (and so allocating) the body.
        if n == 0 or n > MAX_RESPONSE:
            raise ProtocolError("bad response length %d" % n)
        resp = pb.Response()
        resp.ParseFromString(self._recv_exact(n))
        if resp.WhichOneof("body") is None:
            raise ProtocolError("response %d has no body" % resp.id)
        return resp

    def pipeline(self, requests):
        """Sends every request in one write, then reads one response per
        request.  Returns the responses in request order, matched by id
        (whatever order they arrive in).  Errors are not raised: look at
        each response's body."""
        wire = b"".join(self._frame(r) for r in requests)
        ids = [r.id for r in requests]
        if len(set(ids)) != len(ids):
            raise ValueError("request ids must be distinct")
        self.sock.sendall(wire)
        by_id = {}
        for _ in requests:
            resp = self.read_response()
            if resp.id not in ids or resp.id in by_id:
                raise ProtocolError("unexpected response id %d" % resp.id)
            by_id[resp.id] = resp
        return [by_id[i] for i in ids]

    def call(self, req, want):
        """One request; returns the result body named want, or raises."""
        (resp,) = self.pipeline([req])
        body = resp.WhichOneof("body")
        if body == "error":
            raise EmoError(resp.error.code, resp.error.message)
        if body != want:
            raise ProtocolError("asked for %s, got %s" % (want, body))
        return getattr(resp, want)

    def put(self, key, value, ttl_s=0, min_acks=0):
        """Stores value under key; returns the PutResult.  Raises
        EmoError ERR_UNAVAILABLE when fewer than min_acks nodes (this one
        included) stored it."""
        return self.call(put_request(key, value, ttl_s, min_acks), "put")

    def get_page(self, key, since_ms=0):
        """Returns the GetResult: the oldest values created at or after
        since_ms that fit one answer; res.truncated says more were left
        out, and a get since res.next_since_ms continues.  Raises EmoError
        ERR_NOT_FOUND if there are none."""
        res = self.call(get_request(key, since_ms), "get")
        if not res.values:
            raise EmoError(pb.ERR_NOT_FOUND, "not found")
        return res

    def get(self, key, since_ms=0):
        """Returns the live values (bytes) under key, oldest first, every
        page of them (see get_page)."""
        out = []
        while True:
            res = self.get_page(key, since_ms)
            out += [v.data for v in res.values]
            if not res.truncated:
                return out
            since_ms = res.next_since_ms

    def status(self):
        return self.call(status_request(), "status")

    def put_signed(self, sk, name, value, seq=None, ttl_s=0, min_acks=0):
        """Stores value signed with sk under name; returns the PutResult
        (its key is Keccak-256(public key || name)).  Raises EmoError
        ERR_REFUSED when a node holds a higher seq."""
        return self.call(signed_put_request(sk, name, value, seq, ttl_s,
                                            min_acks), "put")

    def get_signed(self, pubkey, name):
        """(the Value of the highest seq that verifies, how many did
        not).  Raises EmoError ERR_NOT_FOUND if none verifies."""
        res = self.call(signed_get_request(pubkey, name), "get")
        good = [v for v in res.values if verify_signed(v, pubkey, name)]
        bad = len(res.values) - len(good)
        if not good:
            raise EmoError(pb.ERR_NOT_FOUND, "not found (%d values failed "
                           "verification)" % bad)
        return max(good, key=lambda v: (v.seq, v.created_ms)), bad

    def watch(self, key, since_ms=0, count=0):
        """Yields each value (a Value: data, created_ms, expires_ms) stored
        under key: the live ones first, then new ones as they arrive, each
        once.  A watch streams: one Response per value, all with the
        request's id, then one with end set (after count values; 0 means
        until the connection is closed).  Nothing else may be asked on
        this connection until the end: answers come in request order."""
        req = watch_request(key, since_ms, count)
        self.sock.sendall(self._frame(req))
        while True:
            resp = self.read_response()
            if resp.id != req.id:
                raise ProtocolError("unexpected response id %d" % resp.id)
            body = resp.WhichOneof("body")
            if body == "error":
                raise EmoError(resp.error.code, resp.error.message)
            if body != "watch":
                raise ProtocolError("asked for watch, got %s" % body)
            if resp.watch.HasField("value"):
                yield resp.watch.value
            if resp.watch.end:
                return


def _exit_for(err):
    if err.code == pb.ERR_NOT_FOUND:
        return EXIT_NOTFOUND
    if err.code in (pb.ERR_INVALID, pb.ERR_TOO_LARGE):
        return EXIT_USAGE
    return EXIT_FAIL


def _cmd_put(c, a):
    res = c.put(a.key, a.value.encode("utf-8", "surrogateescape"), a.ttl,
                a.min_acks)
    where = " under " + res.key.hex() if res.key else ""
    print("stored%s, %d node(s) acknowledged" % (where, res.acks))


def _cmd_get(c, a):
    out = sys.stdout.buffer
    res = c.get_page(a.key)
    for v in res.values:
        out.write(v.data + b"\n")
    out.flush()
    if res.truncated:
        print("emo_client: truncated: at least %d more values; continue "
              "with since_ms %d" % (res.omitted, res.next_since_ms),
              file=sys.stderr)


def _cmd_watch(c, a):
    # No timeout while waiting for values: a watch may wait for hours.
    c.sock.settimeout(None)
    out = sys.stdout.buffer
    try:
        for v in c.watch(a.key, a.since, a.count):
            out.write(v.data + b"\n")
            out.flush()
    except KeyboardInterrupt:
        pass                        # stopping a watch is its normal end


def _cmd_put_signed(c, a):
    sk = load_signing_key(a.keyfile)
    res = c.put_signed(sk, a.name, a.value.encode("utf-8", "surrogateescape"),
                       a.seq, a.ttl)
    print("stored under %s, %d node(s) acknowledged" % (res.key.hex(),
                                                        res.acks))


def _cmd_get_signed(c, a):
    try:
        pub = bytes.fromhex(a.pubkey)
    except ValueError:
        pub = b""
    if len(pub) != 32:
        raise ValueError("a public key is 64 hex digits")
    v, bad = c.get_signed(pub, a.name.encode("utf-8", "surrogateescape"))
    if bad:
        print("emo_client: %d value(s) failed verification and were not "
              "printed" % bad, file=sys.stderr)
    sys.stdout.buffer.write(v.data + b"\n")
    sys.stdout.flush()


def _cmd_status(c, a):
    s = c.status()
    print("node     %s" % s.node_id.hex())
    print("version  %s" % s.version)
    print("listen   %s" % s.listen)
    print("uptime   %d s" % s.uptime_s)
    print("peers    %d%s" % (s.peers, " (%s)" % s.network
                                 if s.network and s.peers == 0 else ""))
    print("values   %d (%d bytes, %d keys)" % (s.values, s.bytes, s.keys))
    print("storage  %s in %s" % (s.storage, s.data_dir))


def main(argv=None):
    p = argparse.ArgumentParser(description="Talk to emod over its control "
                                "socket.")
    p.add_argument("--socket", "-s", help="control socket (default: "
                   "$EMO_SOCKET or emoctl's default)")
    p.add_argument("--pb-dir", help="directory holding control_pb2.py")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds to wait for the daemon (default 10)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("put", help="store VALUE under KEY")
    sp.add_argument("key")
    sp.add_argument("value")
    sp.add_argument("--ttl", type=int, default=0,
                    help="lifetime in seconds (default: the daemon's)")
    sp.add_argument("--min-acks", type=int, default=0,
                    help="nodes that must store it, this one included")
    sp.set_defaults(fn=_cmd_put)
    sp = sub.add_parser("get", help="print the values under KEY")
    sp.add_argument("key")
    sp.set_defaults(fn=_cmd_get)
    sp = sub.add_parser("watch", help="print each value stored under KEY "
                        "as it arrives")
    sp.add_argument("key")
    sp.add_argument("--since", type=int, default=0,
                    help="only values created at or after UNIX_MS")
    sp.add_argument("--count", type=int, default=0,
                    help="exit after N values (default: never)")
    sp.set_defaults(fn=_cmd_watch)
    sp = sub.add_parser("put-signed", help="store VALUE under NAME, signed "
                        "with the key in KEYFILE")
    sp.add_argument("keyfile")
    sp.add_argument("name")
    sp.add_argument("value")
    sp.add_argument("--seq", type=int, default=None,
                    help="sequence number (default: now in Unix ms)")
    sp.add_argument("--ttl", type=int, default=0,
                    help="lifetime in seconds (default 3600)")
    sp.set_defaults(fn=_cmd_put_signed)
    sp = sub.add_parser("get-signed", help="print the value PUBKEY signed "
                        "under NAME, verified")
    sp.add_argument("pubkey")
    sp.add_argument("name")
    sp.set_defaults(fn=_cmd_get_signed)
    sp = sub.add_parser("status", help="print the node's status")
    sp.set_defaults(fn=_cmd_status)
    a = p.parse_args(argv)

    try:
        load_pb(a.pb_dir)
    except (ImportError, subprocess.CalledProcessError) as e:
        print("emo_client: %s" % e, file=sys.stderr)
        return EXIT_FAIL
    try:
        c = Client(a.socket, a.timeout)
    except OSError as e:
        print("emo_client: cannot connect to %s: %s" %
              (a.socket or default_socket(), e.strerror or e),
              file=sys.stderr)
        return EXIT_UNREACHABLE
    try:
        with c:
            a.fn(c, a)
    except EmoError as e:
        print("emo_client: %s" % e, file=sys.stderr)
        return _exit_for(e)
    except ValueError as e:
        print("emo_client: %s" % e, file=sys.stderr)
        return EXIT_USAGE
    except ImportError as e:
        print("emo_client: %s (signed values need PyNaCl: Debian "
              "python3-nacl)" % e, file=sys.stderr)
        return EXIT_FAIL
    except ProtocolError as e:
        print("emo_client: %s" % e, file=sys.stderr)
        return EXIT_UNREACHABLE
    except OSError as e:
        print("emo_client: %s" % e, file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
