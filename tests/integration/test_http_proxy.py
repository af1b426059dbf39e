"""mode http: forwarding, keep-alive, pipelining, bodies, rewrites."""
import socket
import subprocess

import pytest

from conftest import free_port, HTTP_DEFAULTS
from httpbackend import connect, read_response, request, read_until_close, sha




def cfg(port, servers, extra_fe="", extra_be="", glob=""):
    lines = ["global", "    nbthread 2", "    log stdout format raw local0", glob, "defaults", "    mode http", "    log global", "    option httplog",
             "    timeout client 5s", "    timeout server 5s", "    timeout connect 2s",
             "frontend fe", "    bind 127.0.0.1:%d" % port, extra_fe, "    default_backend be",
             "backend be", extra_be]
    for i, b in enumerate(servers):
        lines.append("    server s%d 127.0.0.1:%d" % (i + 1, b.port))
    return "\n".join(lines) + "\n"


def test_get_and_keepalive_reuse(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    with connect(port) as s:
        for i in range(5):
            s.sendall(b"GET /k%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
            st, h, _, body = read_response(s)
            assert st == 200 and body == b"A GET /k%d\n" % i
            assert h.get("connection", "").lower() != "close"
    # one client connection, one server connection for all five requests
    assert len({r.conn_id for r in b.requests}) == 1
    assert [r.path for r in b.requests] == ["/k%d" % i for i in range(5)]


def test_curl_and_http10(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    out = subprocess.run(["curl", "-s", "-m", "5", "http://127.0.0.1:%d/c" % port],
                         capture_output=True, timeout=10)
    assert out.stdout == b"A GET /c\n"
    st, h, _, body = request(port, b"GET /old HTTP/1.0\r\n\r\n")
    assert st == 200 and body == b"A GET /old\n"
    # HTTP/1.0 keep-alive is honoured
    with connect(port) as s:
        for _ in range(2):
            s.sendall(b"GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            st, h, _, body = read_response(s)
            assert st == 200 and h["connection"].lower() == "keep-alive"


def test_pipelining_in_order(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    with connect(port) as s:
        s.sendall(b"".join(b"GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(10)))
        for i in range(10):
            st, _, _, body = read_response(s)
            assert st == 200 and body == b"A GET /p%d\n" % i


def test_post_bodies_content_length_and_chunked(http_backend, tollgate):
    def echo_sha(req):
        return 200, [], (sha(req.body) + " %d" % len(req.body)).encode()

    b = http_backend("A", echo_sha)
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    data = bytes(range(256)) * 4096 * 4     # 4 MiB
    with connect(port, timeout=20) as s:
        s.sendall(b"POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
        st, _, _, body = read_response(s)
        assert st == 200 and body == (sha(data) + " %d" % len(data)).encode()
        # chunked request body, several chunks, then a trailer-less end
        chunks = [data[i:i + 100000] for i in range(0, 1000000, 100000)]
        raw = b"".join(b"%x\r\n" % len(c) + c + b"\r\n" for c in chunks) + b"0\r\n\r\n"
        s.sendall(b"POST /ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + raw)
        st, _, _, body = read_response(s)
        whole = b"".join(chunks)
        assert st == 200 and body == (sha(whole) + " %d" % len(whole)).encode()


def test_large_responses_cl_chunked_close(http_backend, tollgate):
    big = bytes(range(251)) * 40000    # ~10 MB

    def handler(req):
        if req.path == "/cl":
            return 200, [], big
        if req.path == "/chunked":
            parts = [big[i:i + 65536] for i in range(0, len(big), 65536)]
            raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            raw += b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
            return raw
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big

    b = http_backend("A", handler)
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    with connect(port, timeout=20) as s:
        s.sendall(b"GET /cl HTTP/1.1\r\nHost: x\r\n\r\n")
        st, _, _, body = read_response(s)
        assert st == 200 and sha(body) == sha(big)
        s.sendall(b"GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _, body = read_response(s)
        assert st == 200 and h["transfer-encoding"] == "chunked" and sha(body) == sha(big)
        s.sendall(b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _, body = read_response(s)
        # a body delimited by the server's close reaches the client whole,
        # and the client connection closes after it
        assert st == 200 and sha(body) == sha(big)
        assert h.get("connection", "").lower() == "close"


def test_head_204_304_have_no_body(http_backend, tollgate):
    def handler(req):
        if req.path == "/204":
            return 204, [], b""
        if req.path == "/304":
            return 304, [], b""
        return 200, [("Content-Length", "5")], b"hello"

    b = http_backend("A", handler)
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    with connect(port) as s:
        s.sendall(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
        st, h, _, body = read_response(s, head_only_for_head=True)
        assert st == 200 and h["content-length"] == "5"
        for p in (b"/204", b"/304", b"/ok"):
            s.sendall(b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            st, _, _, body = read_response(s)
            assert st == int(p[1:]) if p != b"/ok" else st == 200
        assert body == b"hello"


def test_expect_100_continue(http_backend, tollgate):
    b = http_backend("A", lambda req: (200, [], b"got %d" % len(req.body)))
    port = free_port()
    tollgate(cfg(port, [b]), port=port)
    out = subprocess.run(["curl", "-s", "-m", "5", "-H", "Expect: 100-continue", "--data-binary",
                          "@-", "http://127.0.0.1:%d/up" % port], input=b"x" * 5000,
                         capture_output=True, timeout=10)
    assert out.stdout == b"got 5000"


def test_forwardfor_and_connection_close(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b], extra_fe="    option forwardfor"), port=port)
    with connect(port) as s:
        s.sendall(b"GET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        st, h, _, _ = read_response(s)
        assert st == 200 and h["connection"] == "close"
        assert read_until_close(s) == b""
    assert b.requests[-1].header("X-Forwarded-For") == "127.0.0.1"


def test_http_server_close_and_roundrobin(http_backend, tollgate):
    a, c = http_backend("A"), http_backend("B")
    port = free_port()
    tollgate(cfg(port, [a, c], extra_be="    balance roundrobin\n    option http-server-close"), port=port)
    with connect(port) as s:
        for i in range(4):
            s.sendall(b"GET /r HTTP/1.1\r\nHost: x\r\n\r\n")
            read_response(s)
    assert a.count() == 2 and c.count() == 2
    assert all(r.header("Connection") == "close" for r in a.requests + c.requests)


def test_websocket_upgrade_tunnel(tollgate):
    # a raw backend answering 101 then echoing bytes
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    bport = srv.getsockname()[1]
    port = free_port()

    class Fake:
        port = bport

    tollgate(cfg(port, [Fake()]) + "    timeout tunnel 10s\n", port=port)
    with connect(port) as s:
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        c, _ = srv.accept()
        c.settimeout(5)
        head = b""
        while b"\r\n\r\n" not in head:
            head += c.recv(4096)
        assert b"upgrade: websocket" in head.lower() and b"connection: upgrade" in head.lower()
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        st, _, _, _ = read_response(s)
        assert st == 101
        for msg in (b"frame-1", b"\x00\x01binary\xff", b"x" * 100000):
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                got += c.recv(65536)
            c.sendall(got[::-1])
            back = b""
            while len(back) < len(msg):
                back += s.recv(65536)
            assert back == msg[::-1]
        c.close()
    srv.close()


def test_server_down_gives_503_and_bad_response_502(http_backend, tollgate, dead_port):
    port = free_port()
    dead = dead_port

    class Dead:
        port = dead

    tollgate(cfg(port, [Dead()]), port=port)
    st, _, _, body = request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 503 and b"503 Service Unavailable" in body

    port2 = free_port()
    garbage = http_backend("G", lambda req: b"NOT HTTP AT ALL\r\n\r\n")
    tollgate(cfg(port2, [garbage]), port=port2, name="t2.cfg")
    st, _, _, _ = request(port2, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 502


def test_server_timeout_gives_504(tollgate):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    class Silent:
        port = srv.getsockname()[1]

    port = free_port()
    text = cfg(port, [Silent()]).replace("timeout server 5s", "timeout server 300ms")
    tollgate(text, port=port)
    st, _, _, _ = request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert st == 504
    srv.close()


def test_request_timeout_gives_408(http_backend, tollgate):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b], extra_fe="    timeout http-request 300ms"), port=port)
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost")
        st, h, _, _ = read_response(s)
        assert st == 408
    assert b.count() == 0


@pytest.mark.parametrize("mode", ["always", "safe", "never"])
def test_idle_server_connections_shared_by_reuse_mode(http_backend, tollgate, mode):
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b], extra_be="    http-reuse %s" % mode).replace("nbthread 2", "nbthread 1"), port=port)
    # five clients one after the other, one request each, then a client
    # with two requests on its connection
    for i in range(5):
        st, _, _, _ = request(port, b"GET /c%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % i)
        assert st == 200
    with connect(port) as s:
        for p in (b"/k1", b"/k2"):
            s.sendall(b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(s)[0] == 200
    conns = [r.conn_id for r in b.requests]
    if mode == "always":
        # every request took the one idle connection the first one left
        assert len(set(conns)) == 1
    elif mode == "safe":
        # a client's first request gets its own connection; its second may
        # take an idle one (here its own, kept by the stream)
        assert len(set(conns[:5])) == 5 and conns[6] == conns[5]
    else:
        assert len(set(conns[:5])) == 5 and conns[6] == conns[5]


@pytest.mark.parametrize("algo,vary", [
    ("uri", lambda i: (b"/item/%d" % (i % 8), b"")),
    ("uri whole", lambda i: (b"/item?id=%d" % (i % 8), b"")),
    ("url_param id", lambda i: (b"/q?x=1&id=%d" % (i % 8), b"")),
    ("hdr(x-user)", lambda i: (b"/", b"X-User: u%d\r\n" % (i % 8))),
])
def test_http_hash_balancing_is_per_request(http_backend, tollgate, algo, vary):
    servers = [http_backend(t) for t in "ABCD"]
    port = free_port()
    tollgate(cfg(port, servers, extra_be="    balance %s" % algo), port=port)
    seen = {}
    # one keep-alive connection: every request is balanced on its own key,
    # even though the previous request's server connection is kept
    with connect(port) as s:
        for i in range(24):
            path, hdr = vary(i)
            s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + hdr + b"\r\n")
            st, _, _, body = read_response(s)
            assert st == 200
            seen.setdefault(i % 8, set()).add(body[:1])
    # each key always went to one server, and the keys spread over several
    assert all(len(v) == 1 for v in seen.values()), seen
    assert len(set().union(*seen.values())) > 1, seen


@pytest.mark.parametrize("algo", ["url_param id", "hdr(x-user)", "hash req.hdr(x-user)"])
def test_http_hash_without_key_is_round_robin(http_backend, tollgate, algo):
    # HAProxy's rule: a request without the parameter or header is balanced
    # in round robin (not pinned to one server by the client address)
    servers = [http_backend(t) for t in "ABCD"]
    port = free_port()
    tollgate(cfg(port, servers, extra_be="    balance %s" % algo), port=port)
    got = []
    with connect(port) as s:
        for _ in range(8):
            s.sendall(b"GET /q?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
            st, _, _, body = read_response(s)
            assert st == 200
            got.append(body[:1])
    assert sorted(got) == [bytes([c]) for c in b"AABBCCDD"], got


def test_https_redirect_on_plain_frontend(http_backend, tollgate):
    # the most common HAProxy idiom: ssl_fc is false on a plain-HTTP bind
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b], extra_fe="    http-request redirect scheme https code 301 if !{ ssl_fc }"), port=port)
    st, h, _, _ = request(port, b"GET /a?b=1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
    assert st == 301 and h["location"] == "https://www.example.com/a?b=1"
    assert b.count() == 0


def test_many_pipelined_requests_answered_by_the_proxy(http_backend, tollgate):
    # 40 requests in one write, all answered by a rule (no server I/O to
    # wake the stream between them): every one is answered, in order
    b = http_backend("A")
    port = free_port()
    tollgate(cfg(port, [b], extra_fe='    http-request return status 200 content-type text/plain '
                                      'string "%[path]" if { path_beg /r/ }'), port=port)
    with connect(port) as s:
        s.sendall(b"".join(b"GET /r/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(40)))
        for i in range(40):
            st, _, _, body = read_response(s)
            assert st == 200, i
    assert b.count() == 0


def test_dynamic_use_backend(http_backend, tollgate):
    # a log-format backend name, looked up per request; unknown names go
    # to the default backend (HAProxy's rule)
    a, b, d = http_backend("A"), http_backend("B"), http_backend("D")
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    use_backend be_%%[req.hdr(x-site),lower] if { req.hdr(x-site) -m found }
    default_backend be_d
backend be_a
    server a 127.0.0.1:%d
backend be_b
    server b 127.0.0.1:%d
backend be_d
    server d 127.0.0.1:%d
""" % (port, a.port, b.port, d.port), port=port)
    with connect(port) as s:
        for site, want in (("A", b"A"), ("b", b"B"), ("nope", b"D"), (None, b"D"), ("a", b"A")):
            hdr = b"X-Site: %s\r\n" % site.encode() if site else b""
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + hdr + b"\r\n")
            st, _, _, body = read_response(s)
            assert st == 200 and body[:1] == want, (site, body)


def proxy_side_time_waits(server_port):
    """TIME_WAIT sockets whose peer is <server_port> and whose local port is
    not: connections to that server that the proxy closed first."""
    want = ":%04X" % server_port
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[3] == "06" and cols[2].endswith(want) and not cols[1].endswith(want):
                n += 1
    return n


@pytest.mark.parametrize("proxy", ["tollgate", "haproxy"])
def test_close_mode_leaves_no_time_wait_on_the_proxy(proxy, http_backend, tollgate, haproxy):
    """In close mode each client's request opens a server connection (a
    first request is not sent on another client's idle connection under
    `http-reuse safe`), and parking it closes the oldest idle one. Closed
    normally, each would hold a source port in TIME_WAIT for a minute: at
    thousands of requests per second the ports ran out and connect()
    slowed every request (a 100 ms p99). Both proxies close their idle
    server connections with a reset instead."""
    b = http_backend("A")
    port = free_port()
    start = tollgate if proxy == "tollgate" else haproxy
    start(cfg(port, [b]).replace("nbthread 2", "nbthread 1"), port=port)
    # an earlier test's server on the same port number may have left some
    before = proxy_side_time_waits(b.port)
    for i in range(100):
        st, _, _, _ = request(port, b"GET /c%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % i)
        assert st == 200
    assert len({r.conn_id for r in b.requests}) > 64   # connections were opened...
    assert proxy_side_time_waits(b.port) == before      # ...and none lingers on our side
