#!/usr/bin/python3
# flood.py — floods one emod from one source address (127.0.0.99) with
# valid PING and FIND_NODE requests, each with a fresh txid, at RATE
# datagrams per second for SECONDS, and counts the answers that come
# back, per second.  Then checks that
# the answers stay within the per-source rate limit:
#   answers <= RATE_LIMIT * (measured_duration + 1 ms) + BURST
# where the duration runs from the first request sent to the last answer
# received.  Answers are datagrams echoing one of our txids (PONG and
# NODES today).  The rate achieved is printed, never asserted (a loaded
# machine may not reach it).
# Usage: flood.py HOST:PORT SECONDS RATE RATE_LIMIT BURST
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402

SOURCE = "127.0.0.99"


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    target = (H.loopback(host), int(port))
    secs, rate, limit, burst = (float(sys.argv[2]), int(sys.argv[3]),
                                int(sys.argv[4]), int(sys.argv[5]))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    s.bind((SOURCE, 0))
    s.setblocking(False)

    me = os.urandom(32)
    # Templates: the txid is the 8 bytes after MAGIC, kind, sender field
    # (2 + 32 bytes) and the fixed64 key byte.
    off = 4 + 2 + 32 + 1
    tmpl = [H.packet(me, 0, "ping"),
            H.packet(me, 0, "find_node", H.fbytes(1, os.urandom(32)))]
    for t in tmpl:
        assert H.classify(H.retxid(t, 7))[2] == 7
    pre = [t[:off] for t in tmpl]
    post = [t[off + 8:] for t in tmpl]
    base = int.from_bytes(os.urandom(4), "little") << 24

    sent = sent_bytes = errors = 0
    answers = other = 0
    per_s = {}
    kinds = {}
    t0 = time.monotonic()
    last_answer = t0
    end = t0 + secs
    drain_end = end + 1.0 * H.SLOW	# answers still queued after the flood

    def drain():
        nonlocal answers, other, last_answer
        while True:
            try:
                d = s.recv(70000)
            except BlockingIOError:
                return
            _, body, txid = H.classify(d)
            # Any body echoing one of our txids is an answer (a PONG or
            # NODES today; whatever a later protocol answers with).
            if txid is not None and base <= txid < base + sent:
                answers += 1
                last_answer = time.monotonic()
                sec = int(last_answer - t0)
                per_s[sec] = per_s.get(sec, 0) + 1
            else:
                other += 1
            kinds[body] = kinds.get(body, 0) + 1

    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = min(int((now - t0) * rate) + 1, int(secs * rate))
        while sent < due:
            k = sent & 1
            d = pre[k] + struct.pack("<Q", base + sent) + post[k]
            try:
                s.sendto(d, target)
                sent_bytes += len(d)
            except (BlockingIOError, OSError):
                errors += 1
            sent += 1
        drain()
        time.sleep(0.0005)
    flood_s = time.monotonic() - t0
    while time.monotonic() < drain_end:
        drain()
        time.sleep(0.01)
    dur = last_answer - t0
    # emod's clock has milliseconds: allow the one it may round away.
    bound = limit * (dur + 0.001) + burst
    print("flood: %d requests (%d bytes) from %s in %.2f s: %.0f/s achieved "
          "(asked %d/s), %d send errors"
          % (sent, sent_bytes, SOURCE, flood_s, sent / flood_s, rate, errors))
    print("answers per second: %s" % " ".join(
        "%d:%d" % (k, per_s[k]) for k in sorted(per_s)))
    print("answers: %d in %.2f s (first request to last answer), %.0f/s; "
          "bound %d * (%.3f + 0.001) + %d = %.0f; other datagrams %d (%s)"
          % (answers, dur, answers / max(dur, 0.001), limit, dur, burst,
             bound, other, kinds))
    if answers == 0:
        print("FAIL: the flooded node answered nothing at all")
        return 1
    if answers > bound:
        print("FAIL: more answers than the rate limit allows")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
