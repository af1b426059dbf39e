"""Memory held by slow clients (issue 11, item 10).

A connection whose request head is still incomplete (slowloris) holds its
stream and the buffer of the bytes received, nothing more: no HTTP
transaction, which is taken once the head is complete (stream_http.c,
head_wait()). Observed from outside through the admin socket's `show
pools` and the process's resident memory, then checked still to answer
correctly once the heads complete, in one piece or many.
"""
import re
import socket

from conftest import ADMIN_GLOBAL, BINARY, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
from httpbackend import build, connect, read_response

N = 300                     # slow connections
RSS_PER_CONN_KB = 10.0      # bound per slow connection (measured 5.3; 23 before the fix)

POOL = re.compile(r"^\s+- Pool (\S+) \((\d+) bytes\) : (\d+) allocated \(\d+ bytes\), "
                  r"(\d+) used ", re.M)


def pools_in_use(sock):
    """{pool name: objects in use ("used": handed out, not given back)}."""
    return {m.group(1): int(m.group(4)) for m in POOL.finditer(admin_cli(sock, "show pools"))}


def sanitized(path):
    """True for an ASan/TSan build, whose shadow memory makes RSS meaningless."""
    with open(path, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__tsan_init" in data


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start(tollgate, tmp_path, backend_port):
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    cfg = ADMIN_GLOBAL % {"sock": sock} + "    nbthread 2\n    maxconn 2000\n" + HTTP_DEFAULTS + """
    timeout http-request 30s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, backend_port)
    t = tollgate(cfg, port=port)
    wait_until(lambda: admin_ready(sock), 5, "admin socket")
    return t, port, sock


# partial heads: a byte, a request line, a line and a field, a field cut
PARTS = [b"G", b"GET /a HTTP/1.1\r\n", b"GET /b HTTP/1.1\r\nHost: x\r\n", b"GET /c HTTP/1.1\r\nHost: x\r\nX-A: 1"]


def test_waiting_heads_hold_no_transaction(http_backend, tollgate, tmp_path):
    b = http_backend("A")
    t, port, sock = start(tollgate, tmp_path, b.port)
    conns = []
    try:
        idle = rss_kb(t.proc.pid)
        for i in range(N):
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(PARTS[i % len(PARTS)])
            conns.append(c)
        # every connection's bytes were read: one buffer each
        wait_until(lambda: pools_in_use(sock).get("buffer", 0) >= N, 10, "%d buffers in use" % N)
        use = pools_in_use(sock)
        assert use["stream"] >= N
        assert use.get("http_txn", 0) == 0, use
        per_conn = (rss_kb(t.proc.pid) - idle) / N
        if not sanitized(BINARY):   # the pools above are checked in every build
            assert per_conn < RSS_PER_CONN_KB, "%.1f KB per slow connection" % per_conn
    finally:
        for c in conns:
            c.close()


def test_heads_in_pieces_complete_correctly(http_backend, tollgate, tmp_path):
    """Heads that came in several reads are parsed whole once complete;
    the idle keep-alive connection then holds no transaction nor buffer."""
    b = http_backend("A")
    t, port, sock = start(tollgate, tmp_path, b.port)
    fields = [("X-F%d" % i, "v%d" % i) for i in range(30)]
    raw = build("/pieces", fields)
    conns = []
    for cut in (1, 17, 40, 200, len(raw) - 1):
        c = connect(port)
        c.sendall(raw[:cut])
        conns.append((c, cut))
    wait_until(lambda: pools_in_use(sock).get("buffer", 0) >= len(conns), 10, "buffers in use")
    assert pools_in_use(sock).get("http_txn", 0) == 0
    for c, cut in conns:
        # the rest in two more pieces
        mid = (cut + len(raw)) // 2
        c.sendall(raw[cut:mid])
        wait_until(lambda: pools_in_use(sock).get("http_txn", 0) == 0, 5, "no transaction")
        c.sendall(raw[mid:])
        st, _, _, body = read_response(c)
        assert st == 200
    reqs = [r for r in b.requests if r.path == "/pieces"]
    assert len(reqs) == len(conns)
    for r in reqs:
        assert [(n, r.header(n)) for n, _ in fields] == fields
    # all idle in keep-alive now: nothing but their streams
    wait_until(lambda: pools_in_use(sock).get("buffer", 0) == 0, 5, "buffers released")
    use = pools_in_use(sock)
    assert use.get("http_txn", 0) == 0 and use["stream"] >= len(conns), use
    # and they still serve a second request
    for c, _ in conns:
        c.sendall(build("/again"))
        assert read_response(c)[0] == 200
        c.close()
