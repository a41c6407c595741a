#!/bin/sh
# test_python_client.sh — docs/examples/emo_client.py against a live emod,
# with control_pb2 generated from proto/control.proto by protoc: put, get,
# ten pipelined requests in one write matched by id, error answers, and a
# watch (a stream of answers to one request) with the command line's too;
# signed put and get (python3-nacl) both ways with emoctl.
. "$(dirname "$0")/lib.sh"

need_python
"$PYTHON" -c 'import google.protobuf' 2>/dev/null ||
    skip "$PYTHON has no google.protobuf (Debian: apt install python3-protobuf)"
command -v protoc >/dev/null 2>&1 ||
    skip "protoc is not installed (Debian: apt install protobuf-compiler)"

top=$(cd "$IT_LIB_DIR/../.." && pwd)
client="$top/docs/examples/emo_client.py"
[ -f "$client" ] || fail "$client is missing"
mkdir -p "$T/pb"
assert_exit 0 protoc --proto_path="$top/proto" --python_out="$T/pb" \
    "$top/proto/control.proto"
[ -f "$T/pb/control_pb2.py" ] || fail "protoc did not write control_pb2.py"

start_node a
sock=$(node_sock a)

# py ARGS...: the example's command line, bounded in time.
py() {
	timeout -k 5 "$IT_CTL_LIMIT" "$PYTHON" "$client" --socket "$sock" \
	    --pb-dir "$T/pb" --timeout $((10 * IT_SLOW)) "$@"
}

# The command line: put, get, and emoctl agrees with it both ways.
assert_exit 0 py put greeting "hello python"
assert_exit 0 py get greeting
assert_eq "hello python" "$(cat "$OUT")" "emo_client.py get greeting"
assert_exit 0 ctl a get greeting
assert_eq "hello python" "$(cat "$OUT")" "emoctl get of a value put from Python"
assert_exit 0 ctl a put from-emoctl "written by emoctl"
assert_exit 0 py get from-emoctl
assert_eq "written by emoctl" "$(cat "$OUT")" "emo_client.py get of an emoctl value"
assert_exit 0 py status
assert_grep "$OUT" '^node +[0-9a-f]{64}$' "emo_client.py status"

# Errors through the command line, with emoctl's exit statuses.
assert_exit 1 py get "no such key"
assert_grep "$ERR" 'ERR_NOT_FOUND' "emo_client.py get of a missing key"
big=$(head -c 32769 /dev/zero | tr '\0' 'x')
assert_exit 2 py put too-big "$big"
assert_grep "$ERR" 'ERR_TOO_LARGE' "emo_client.py put of 32769 bytes"
# min_acks (PutRequest field 5): a lone node cannot give 2; status says why.
assert_exit 4 py put --min-acks 2 lonely v
assert_grep "$ERR" 'stored on this node only' "emo_client.py put --min-acks 2 alone"
assert_exit 0 py status
assert_grep "$OUT" '^peers +0 \(standalone\)' "emo_client.py status of a lone node"
assert_exit 3 "$PYTHON" "$client" --socket "$T/no-such.sock" --pb-dir "$T/pb" \
    get greeting

# The module: pipelining and error answers on one connection.
cat >"$T/check.py" <<'EOF'
import random
import sys
import time

sys.path.insert(0, sys.argv[1])
import emo_client as ec

ec.load_pb(sys.argv[2])
pb = ec.pb
bad = []


def check(cond, what):
    if not cond:
        bad.append(what)


with ec.Client(sys.argv[3], timeout=float(sys.argv[4])) as c:
    for i in range(5):
        c.put("pre-%d" % i, b"pre-value-%d" % i)

    # Ten requests, one write: five gets of stored keys and five puts,
    # interleaved, each with its own random id.
    reqs = []
    for i in range(5):
        reqs.append(ec.get_request("pre-%d" % i))
        reqs.append(ec.put_request("pipe-%d" % i, b"pipe-value-%d" % i))
    ids = random.sample(range(1, 1 << 62), len(reqs))
    for r, rid in zip(reqs, ids):
        r.id = rid
    wire = b"".join(c._frame(r) for r in reqs)
    c.sock.sendall(wire)                    # one write for all ten
    got = {}
    for _ in reqs:
        resp = c.read_response()
        check(resp.id in ids, "response id %d was never asked" % resp.id)
        check(resp.id not in got, "response id %d came twice" % resp.id)
        got[resp.id] = resp
    for n, (r, rid) in enumerate(zip(reqs, ids)):
        resp = got.get(rid)
        if resp is None:
            bad.append("no response for request %d (id %d)" % (n, rid))
            continue
        want = r.WhichOneof("body")
        body = resp.WhichOneof("body")
        check(body == want, "request %d (%s): answered with %s %s" %
              (n, want, body, resp.error.message if body == "error" else ""))
        if body == "get":
            vals = [v.data for v in resp.get.values]
            exp = b"pre-value-%d" % (n // 2)
            check(vals == [exp], "request %d: got %r, expected %r" %
                  (n, vals, exp))
        elif body == "put":
            check(resp.put.acks >= 1, "request %d: put with %d acks" %
                  (n, resp.put.acks))

    # The pipelined puts are there, read back through the helper.
    for i in range(5):
        v = c.get("pipe-%d" % i)
        check(v == [b"pipe-value-%d" % i], "pipe-%d holds %r" % (i, v))

    # Twenty puts of one key in one write: the node takes them within a
    # millisecond or two, and still gives them creation times 1 ms apart,
    # so that they list in put order (docs/STORAGE.md).
    burst = [b"burst-%02d" % i for i in range(20)]
    resps = c.pipeline([ec.put_request("burst", v) for v in burst])
    check(all(r.WhichOneof("body") == "put" for r in resps),
          "burst puts: %r" % [r.WhichOneof("body") for r in resps])
    got = c.get_page("burst")
    check([v.data for v in got.values] == burst,
          "burst: listed %r" % [v.data for v in got.values])
    created = [v.created_ms for v in got.values]
    check(all(b > a for a, b in zip(created, created[1:])),
          "burst: creation times %r" % created)

    # The same through pipeline(), which matches ids itself.
    resps = c.pipeline([ec.get_request("pipe-%d" % i) for i in range(10)])
    for i, resp in enumerate(resps):
        if i < 5:
            check(resp.WhichOneof("body") == "get" and
                  [v.data for v in resp.get.values] ==
                  [b"pipe-value-%d" % i], "pipeline() answer %d" % i)
        else:
            check(resp.WhichOneof("body") == "error" and
                  resp.error.code == pb.ERR_NOT_FOUND,
                  "pipeline() answer %d: %s" % (i, resp))

    # Error answers leave the connection usable.
    try:
        c.put("too-big", b"x" * 32769)
        bad.append("a 32769-byte value was accepted")
    except ec.EmoError as e:
        check(e.code == pb.ERR_TOO_LARGE and e.name == "ERR_TOO_LARGE",
              "32769-byte value: %s, expected ERR_TOO_LARGE" % e)
    try:
        c.get("missing-key")
        bad.append("get of a missing key succeeded")
    except ec.EmoError as e:
        check(e.code == pb.ERR_NOT_FOUND, "missing key: %s" % e)
    res = c.put("max-size", b"y" * 32768)
    check(res.acks >= 1, "a 32768-byte value was not stored")
    check(c.get("max-size") == [b"y" * 32768], "32768-byte value read back")
    check(c.status().values >= 12, "status counts %d values" %
          c.status().values)

# A watch streams on its own connection: the live value first, then one
# put through another connection while the watch waits.
with ec.Client(sys.argv[3], timeout=float(sys.argv[4])) as w, \
        ec.Client(sys.argv[3], timeout=float(sys.argv[4])) as c:
    c.put("watched", b"before")
    it = w.watch("watched", count=2)
    first = next(it)
    check(first.data == b"before" and first.created_ms > 0,
          "watch: first value %r" % first)
    c.put("watched", b"after")
    rest = list(it)                 # ends after count values
    check([v.data for v in rest] == [b"after"], "watch: then %r" %
          [v.data for v in rest])

for b in bad:
    print("check.py: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
assert_exit 0 timeout -k 5 $((60 * IT_SLOW)) "$PYTHON" -B "$T/check.py" \
    "$top/docs/examples" "$T/pb" "$sock" $((10 * IT_SLOW))

# The command line's watch: --count ends it with status 0.
assert_exit 0 py watch watched --count 2
assert_eq "before
after" "$(cat "$OUT")" "emo_client.py watch watched --count 2"

# Signed values (python3-nacl): a key of emoctl keygen; Python signs, the
# daemon derives the key; emoctl verifies what Python put and Python
# what emoctl put; an older seq is refused.
if "$PYTHON" -c 'import nacl.signing' 2>/dev/null; then
	assert_exit 0 ctl a keygen "$T/py.key"
	pub=$(cat "$OUT")
	assert_exit 0 py put-signed "$T/py.key" profile "signed in python" --seq 10
	assert_exit 0 ctl a get --signed-by "$pub" profile
	assert_eq "signed in python" "$(cat "$OUT")" "emoctl get of a Python-signed value"
	assert_exit 0 py get-signed "$pub" profile
	assert_eq "signed in python" "$(cat "$OUT")" "emo_client.py get-signed"
	assert_exit 4 py put-signed "$T/py.key" profile "older" --seq 9
	assert_grep "$ERR" "higher seq" "emo_client.py put-signed of an older seq"
	assert_exit 0 ctl a put --sign "$T/py.key" --seq 11 profile "signed by emoctl"
	assert_exit 0 py get-signed "$pub" profile
	assert_eq "signed by emoctl" "$(cat "$OUT")" "emo_client.py get-signed after emoctl's seq 11"
	chmod 644 "$T/py.key"
	assert_exit 2 py put-signed "$T/py.key" profile "x"
	assert_grep "$ERR" "0644" "emo_client.py with a key file of mode 0644"
else
	note "no python3-nacl: signed values not tried (Debian: apt install python3-nacl)"
fi

node_alive a
stop_node a
note "emo_client.py: put, get, pipelining, errors and signed values all as expected"
