#!/usr/bin/python3
# reflect.py — spoofed reflection, per message type, against real emods.
# Captures the traffic between nodes on `lo` while emoctl puts and gets run,
# then replays every captured message type to the target node with its
# source address forged to a victim address (a UDP socket of ours on
# 127.0.0.77 and up, one per type), and counts the UDP payload bytes the
# victim receives against those the attacker sent.  Also hand-built
# FIND_VALUEs for a key with 100 values of 1-4 KiB, one with 32 KiB values
# and one with 1,000-byte values (one fits a datagram),
# and NACKs for a fragmented message the target sent.  Prints the table
# "type sent reflected ratio" and fails if any ratio exceeds 1.0.
# Usage: reflect.py TARGET_SOCK TARGET_ADDR SOCK1 SOCK2 ADDR...
# (ADDR: every node's HOST:PORT; SOCK1 puts, SOCK2 gets.)  Needs root.
import os
import random
import select
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

REPLAYS = int(os.environ.get("REFLECT_REPLAYS", "50"))
EMOCTL = os.environ["EMOCTL"]


def hostport(a):
    h, p = a.rsplit(":", 1)
    return H.loopback(h), int(p)


def ctl(sock, *args, stdin=None):
    r = subprocess.run([EMOCTL, "--socket", sock, "--timeout",
                        str(20 * H.SLOW)] + list(args), input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60 * H.SLOW)
    if r.returncode != 0:
        raise SystemExit("FAIL: emoctl %s: exit %d: %s" % (
            " ".join(args[:2]), r.returncode, r.stderr.decode(errors="replace")))
    return r.stdout


def keyof(name):
    return bytes.fromhex(subprocess.run([EMOCTL, "hash", name],
                         stdout=subprocess.PIPE, check=True).stdout.decode().split()[0])


def traffic(put_sock, get_sock, target, rng):
    """Puts and gets that make the nodes send each other every request
    type, long answers (fragments) included."""
    for n in range(100):
        ctl(put_sock, "put", "many", "-", stdin=bytes(
            rng.choice(b"abcdefghij") for _ in range(rng.randint(1024, 4096))))
    for n in range(3):
        ctl(put_sock, "put", "big", "-", stdin=bytes(
            rng.choice(b"klmnopqrst") for _ in range(32768)))
    for n in range(20):
        ctl(put_sock, "put", "kilo", "-", stdin=bytes(
            rng.choice(b"uvwxyz") for _ in range(1000)))
    for n in range(5):
        ctl(put_sock, "put", "small-%d" % n, "x%d" % n)
    for name in ("many", "big", "kilo", "small-0"):
        ctl(get_sock, "get", name)
    # A put whose table holds the key's closest sends no FindNode (it
    # starts at its last step); a watch's lookup still does: watch a key
    # none holds yet, then put it.
    w = subprocess.Popen([EMOCTL, "--socket", get_sock, "--timeout",
                          str(20 * H.SLOW), "watch", "watched", "--count",
                          "1"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    time.sleep(1.0 * H.SLOW)
    ctl(put_sock, "put", "watched", "w")
    try:
        _, err = w.communicate(timeout=30 * H.SLOW)
    except subprocess.TimeoutExpired:
        w.kill()
        w.communicate()
        raise SystemExit("FAIL: emoctl watch saw no value in time")
    if w.returncode != 0:
        raise SystemExit("FAIL: emoctl watch: exit %d: %s" % (
            w.returncode, err.decode(errors="replace")))
    ctl(get_sock, "ping", "%s:%d" % target)
    ctl(put_sock, "ping", "%s:%d" % target)


class Victims:
    """One UDP socket per type, counting what arrives, in a thread."""

    def __init__(self):
        self.socks = {}
        self.bytes = {}
        self.kinds = {}
        self.lock = threading.Lock()
        self.stop_flag = False
        self.t = None

    def add(self, name):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind(("127.0.0.%d" % (77 + len(self.socks)), 0))
        self.socks[name] = s
        self.bytes[name] = 0
        self.kinds[name] = {}
        return s.getsockname()

    def start(self):
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        by_fd = {s.fileno(): n for n, s in self.socks.items()}
        while not self.stop_flag:
            r, _, _ = select.select(list(self.socks.values()), [], [], 0.1)
            for s in r:
                d = s.recv(70000)
                n = by_fd[s.fileno()]
                k = H.classify(d)
                label = k[1] or {0: "whole", 1: "frag", 2: "nack"}.get(k[0], "?")
                with self.lock:
                    self.bytes[n] += len(d)
                    c = self.kinds[n].setdefault(label, [0, 0])
                    c[0] += 1
                    c[1] += len(d)

    def stop(self):
        self.stop_flag = True
        self.t.join()


def main():
    H.need_root()
    target_sock, target_a, put_sock, get_sock = sys.argv[1:5]
    target = hostport(target_a)
    nodes = {hostport(a) for a in sys.argv[5:]} | {target}
    rng = random.Random(int(os.environ.get("SEED", time.time())))

    cap = H.Capture(lambda s, sp, d, dp: (s, sp) in nodes and (d, dp) in nodes)
    traffic(put_sock, get_sock, target, rng)
    time.sleep(0.5 * H.SLOW)
    seen = cap.stop()
    print("captured %d datagrams between the nodes" % len(seen))

    # Samples: one whole datagram per body type (to the target if we can),
    # one fragmented request (all its parts), and a fragmented message the
    # target sent (for NACKs).
    whole = {}
    frags = {}		# (src, dst, msg_id) -> {index: (count, datagram)}
    for _, sip, sp, dip, dp, d in seen:
        kind, body, _ = H.classify(d)
        if kind == H.KIND_WHOLE and body:
            if body not in whole or ((dip, dp) == target and
                                     whole[body][0] != target):
                whole[body] = ((dip, dp), d)
        elif kind == H.KIND_FRAG and len(d) >= 4 + H.FRAG_HDR.size:
            mid, idx, cnt, _ = H.FRAG_HDR.unpack_from(d, 4)
            frags.setdefault(((sip, sp), (dip, dp), mid), {})[idx] = (cnt, d)
    frag_req = frag_out = None
    for (src, dst, mid), parts in frags.items():
        cnt = next(iter(parts.values()))[0]
        if len(parts) != cnt or 0 not in parts:
            continue
        body = H.classify(parts[0][1])[1]
        ordered = [parts[i][1] for i in range(cnt)]
        if body in H.REQUESTS and (frag_req is None or dst == target):
            frag_req = (body, dst, ordered)
        if src == target and frag_out is None:
            frag_out = (mid, cnt)
    print("whole messages captured: %s" % ", ".join(
        "%s%s" % (b, "" if whole[b][0] == target else "(other node)")
        for b in sorted(whole)))
    missing = [b for b in H.REQUESTS if b not in whole]
    if frag_req is None:
        missing.append("fragmented request (a STORE of 32 KiB)")
    if missing:
        print("FAIL: no %s captured between the nodes" % ", ".join(missing))
        return 1

    # The cases: (name, [list of datagrams per replay], fresh-id rewriter).
    me = os.urandom(32)
    cases = []
    names = {keyof(n): n for n in ("many", "big", "kilo") +
             tuple("small-%d" % i for i in range(5))}
    for b in sorted(whole):
        label = b
        if b in ("find_value", "store"):	# name the key asked about
            d = whole[b][1]
            for tag, wt, v, _ in H.fields(d[4:]):
                if tag == H.TAGS[b]:
                    k = [x[2] for x in H.fields(v) if x[0] == 1]
                    label = "%s(%s)" % (b, names.get(k[0], "?") if k else "?")
        cases.append((label, [whole[b][1]], "txid"))
    cases.append(("%s_fragmented(%d parts)" % (frag_req[0], len(frag_req[2])),
                  frag_req[2], "msgid"))
    for name in ("many", "big", "kilo"):
        fv = H.packet(me, 1, "find_value", H.fbytes(1, keyof(name)) +
                      H.fvar(2, 0) + H.fvar(3, 0))
        cases.append(("find_value_%s" % name, [fv], "txid"))
    mid, cnt = frag_out if frag_out else (rng.getrandbits(64), 2)
    bitmap = b"\xff" * ((cnt + 7) // 8)
    cases.append(("nack%s" % ("" if frag_out else "(unknown id)"),
                  [H.nack(mid, cnt, bitmap)], None))

    victims = Victims()
    addrs = [victims.add(c[0]) for c in cases]
    before = H.counters(target_sock)
    victims.start()
    spoof = H.Spoofer()
    sent = {}
    for (name, dgrams, fresh), vaddr in zip(cases, addrs):
        start = spoof.sent
        for r in range(REPLAYS):
            new_mid = struct.pack(">Q", rng.getrandbits(64))
            for d in dgrams:
                if fresh == "txid":
                    d = H.retxid(d, rng.getrandbits(64))
                elif fresh == "msgid":
                    d = d[:4] + new_mid + d[12:]
                spoof.send(vaddr, target, d)
            time.sleep(0.01)
        sent[name] = spoof.sent - start
    # Admission pings are resent after rpc_timeout_ms (1 s) up to 3 times.
    time.sleep(4.0 * H.SLOW)
    victims.stop()
    after = H.counters(target_sock)

    # Everything the victim gets counts: answers, and the admission PINGs
    # a request from an unknown node draws (sent again on a timeout).
    print("%-34s %9s %10s %7s  %s" % ("type", "sent", "reflected", "ratio",
                                      "what the victim got"))
    bad = []
    for name, _, _ in cases:
        got = victims.bytes[name]
        ratio = got / sent[name] if sent[name] else 0.0
        print("%-34s %9d %10d %7.2f  %s" % (name, sent[name], got, ratio,
              ", ".join("%s x%d (%d B)" % (k, c[0], c[1]) for k, c in
                        sorted(victims.kinds[name].items())) or "-"))
        if ratio > 1.0:
            bad.append("%s %.2f" % (name, ratio))
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print("target counters grown: %s" % ", ".join(
        "%s +%d" % (k, v) for k, v in sorted(delta.items()) if v and (
            k.startswith("rx_dropped") or k in ("answers_cut", "admit_pings",
                                                "admit_limited",
                                                "tx_dropped_budget"))))
    if bad:
        print("FAIL: answers to a forged source larger than the request: %s"
              % "; ".join(bad))
        return 1
    print("every type: reflected <= sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
