"""HTTP/2 to servers: `server ... proto h2` (clear text, prior knowledge)
and `server ... ssl alpn h2,http/1.1` (ALPN decides), HTTP/1.1 clients in
front. The servers: Debian's nghttpd, and h2server.py (python3-h2) where
trailers, resets, GOAWAY or counted connections are needed. Where HAProxy
2.6 does the same, both run the same configuration and must agree.
"""
import os
import socket
import subprocess

import h2.config as h2cfg
import h2.connection as h2c
import h2.events as h2ev
import pytest

from conftest import HTTP_DEFAULTS, free_port, run_check, wait_port, wait_until
from h2server import H2Server, pattern
import httpbackend as hb
import tlscerts


CFG = """
global
    nbthread 1
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d %(opts)s
"""


@pytest.fixture
def h2srv():
    started = []

    def start(**kw):
        s = H2Server(**kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def nghttpd(tmp_path):
    """nghttpd --no-tls serving <tmp_path>/www: (port, dir)."""
    www = tmp_path / "www"
    www.mkdir()
    port = free_port()
    p = subprocess.Popen(["nghttpd", "--no-tls", "-d", str(www), str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield port, www
    finally:
        p.kill()
        p.wait()


def start(starter, srv_port, opts):
    port = free_port()
    starter(CFG % dict(port=port, srv=srv_port, opts=opts), port=port)
    return port


def chunked_body(sock):
    """Reads a chunked body after the head from <sock>: (body, trailer
    lines)."""
    data = bytearray(sock._pending)
    sock._pending = b""
    body = bytearray()
    pos = 0

    def need(n):
        while len(data) < n:
            d = socket.socket.recv(sock, 65536)
            if not d:
                raise EOFError(bytes(data))
            data.extend(d)

    while True:
        while data.find(b"\r\n", pos) < 0:
            need(len(data) + 1)
        eol = data.find(b"\r\n", pos)
        size = int(bytes(data[pos:eol]).split(b";")[0], 16)
        pos = eol + 2
        if not size:
            break
        need(pos + size + 2)
        body += data[pos:pos + size]
        pos += size + 2
    trailers = []
    while True:
        while data.find(b"\r\n", pos) < 0:
            need(len(data) + 1)
        eol = data.find(b"\r\n", pos)
        line = bytes(data[pos:eol]).decode("latin-1")
        pos = eol + 2
        if not line:
            break
        trailers.append(line)
    return bytes(body), trailers


def head_only(sock):
    """Reads a response head: (status, headers dict); the rest stays in
    sock._pending."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = socket.socket.recv(sock, 65536)
        if not d:
            raise EOFError(buf)
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    sock._pending = rest
    return int(lines[0].split(" ")[1]), {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip()
                                        for l in lines[1:]}


# ---- configuration ----

def test_proto_h2_accepted_and_checked(tmp_path):
    rc, out, _ = run_check(CFG % dict(port=free_port(), srv=free_port(), opts="proto h2"), tmp_path)
    assert rc == 0, out
    rc, out, _ = run_check(CFG % dict(port=free_port(), srv=free_port(), opts="proto h3"), tmp_path)
    assert rc != 0 and "'proto' : unknown protocol 'h3'" in out and "t.cfg:" in out, out


def test_proto_h2_refused_in_mode_tcp(tmp_path):
    """As HAProxy 2.6: `proto h2` needs mode http."""
    cfg = ("defaults\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
           "listen l\n    bind 127.0.0.1:%d\n    server s1 127.0.0.1:%d proto h2\n" % (free_port(), free_port()))
    from conftest import HAPROXY
    rc, out, path = run_check(cfg, tmp_path)
    assert rc != 0 and "MUX protocol 'h2' is not usable for server 's1'" in out and path + ":8" in out, out
    rc, out, _ = run_check(cfg, tmp_path, name="h.cfg", binary=HAPROXY)
    assert rc != 0 and "MUX protocol 'h2' is not usable for server 's1'" in out, out


# ---- clear text, prior knowledge ----

def test_get_through_nghttpd(tollgate, haproxy, nghttpd):
    srv, www = nghttpd
    (www / "index.html").write_bytes(b"hello-h2\n")
    (www / "big.bin").write_bytes(pattern(1000000))
    for starter in (tollgate, haproxy):
        port = start(starter, srv, "proto h2")
        st, hd, _, body = hb.get(port, "/index.html")
        assert st == 200 and body == b"hello-h2\n" and hd["content-length"] == "9"
        st, hd, _, body = hb.get(port, "/big.bin")
        assert st == 200 and body == pattern(1000000)
        st, _, _, _ = hb.get(port, "/missing")
        assert st == 404


def test_translation_both_ways(tollgate, haproxy, h2srv):
    """Host goes as a field (origin-form: no :authority, RFC 9113 8.3.1,
    as HAProxy), an absolute-form target gives :authority, connection-
    specific fields stay behind, the body goes and comes back (1 MB), a
    body without content-length comes chunked."""
    s = h2srv()
    big = os.urandom(1000000)
    results = []
    for starter in (tollgate, haproxy):
        port = start(starter, s.port, "proto h2")
        raw = hb.build("/echo", [("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"),
                                 ("TE", "trailers"), ("X-Custom", "v")], host="www.example.com",
                       method="POST", body=big)
        st, hd, _, body = hb.request(port, raw, timeout=20)
        assert st == 200 and body == big
        assert hd["x-authority"] == "" and hd["x-method"] == "POST"
        fields = hd["x-fields"].split(",")
        assert "host" in fields and "connection" not in fields and "keep-alive" not in fields
        assert "te" in fields and "x-custom" in fields
        st, hd, _, body = hb.get(port, "/echo?nocl", method="POST", body=b"abc")
        assert st == 200 and body == b"abc" and hd.get("transfer-encoding") == "chunked"
        st, hd, _, body = hb.get(port, "/big?300000")
        assert st == 200 and body == pattern(300000)
        results.append(sorted(fields))
    assert results[0] == results[1]


def test_absolute_form_gives_authority(tollgate, h2srv):
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    st, hd, _, _ = hb.request(port, b"GET http://www.example.com/echo HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
    assert st == 200 and hd["x-authority"] == "www.example.com" and hd["x-scheme"] == "http"
    assert "host" not in hd["x-fields"].split(",")


def test_scheme_like_haproxy(tollgate, haproxy, h2srv):
    """`:scheme` as HAProxy sends it to a clear-text `proto h2` server: the
    absolute-form target's scheme, `https` for an origin-form request
    (whatever the transport), and an HTTP/2 client's own `:scheme` and
    `:authority`."""
    s = h2srv()
    out = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, port2 = free_port(), free_port()
        starter(CFG % dict(port=port, srv=s.port, opts="proto h2") +
                "frontend fe2\n    bind 127.0.0.1:%d proto h2\n    default_backend be\n" % port2, port=port)
        wait_port(port2)
        got = []
        for req in (b"GET /echo HTTP/1.1\r\nHost: a.example\r\n\r\n",
                    b"GET http://www.example.com/echo HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
                    b"GET https://www.example.com/echo HTTP/1.1\r\nHost: www.example.com\r\n\r\n"):
            st, hd, _, _ = hb.request(port, req)
            got.append((st, hd["x-scheme"], hd["x-authority"]))
        for scheme in ("http", "https"):
            c = h2c.H2Connection(h2cfg.H2Configuration(client_side=True))
            with socket.create_connection(("127.0.0.1", port2), timeout=5) as sk:
                c.initiate_connection()
                c.send_headers(1, [(":method", "GET"), (":scheme", scheme), (":authority", "b.example:81"),
                                   (":path", "/echo")], end_stream=True)
                sk.sendall(c.data_to_send())
                hd = {}
                while True:
                    d = sk.recv(65536)
                    assert d
                    evs = c.receive_data(d)
                    sk.sendall(c.data_to_send())
                    for e in evs:
                        if isinstance(e, h2ev.ResponseReceived):
                            hd = {k.decode(): v.decode() for k, v in e.headers}
                    if any(isinstance(e, h2ev.StreamEnded) for e in evs):
                        break
            got.append((int(hd[":status"]), hd["x-scheme"], hd["x-authority"]))
        out[name] = got
    assert out["tollgate"][:3] == [(200, "https", ""), (200, "http", "www.example.com"),
                                   (200, "https", "www.example.com")], out
    assert out["tollgate"][3:] == [(200, "http", "b.example:81"), (200, "https", "b.example:81")], out
    assert out["tollgate"] == out["haproxy"], out


def test_chunked_request_with_trailers(tollgate, h2srv):
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    with hb.connect(port) as c:
        c.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n")
        st, hd, _, body = hb.read_response(c)
    assert st == 200 and body == b"hello world"
    assert hd["x-trailers"] == "x-sum=42"
    assert "transfer-encoding" not in hd["x-fields"].split(",")


def test_grpc_trailers_reach_http11_client(tollgate, haproxy, h2srv):
    """gRPC-style: the server's trailers become the chunk trailer."""
    s = h2srv()
    for starter in (tollgate, haproxy):
        port = start(starter, s.port, "proto h2")
        with hb.connect(port) as c:
            c.sendall(b"POST /grpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\n"
                      b"TE: trailers\r\nContent-Length: 0\r\n\r\n")
            st, hd = head_only(c)
            assert st == 200 and hd["content-type"] == "application/grpc"
            assert hd["transfer-encoding"] == "chunked"
            body, trailers = chunked_body(c)
        assert body == b"\x00\x00\x00\x00\x05hello"
        assert [t.lower() for t in trailers] == ["grpc-status: 0", "grpc-message: ok"]


def test_server_reset_is_502(tollgate, haproxy, h2srv):
    s = h2srv()
    for starter in (tollgate, haproxy):
        port = start(starter, s.port, "proto h2")
        st, _, _, _ = hb.get(port, "/rst")
        assert st == 502


def test_keepalive_reuses_server_connection(tollgate, h2srv):
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    with hb.connect(port) as c:
        for i in range(5):
            c.sendall(hb.build("/n%d" % i))
            st, _, _, body = hb.read_response(c)
            assert st == 200 and body == b"hello /n%d" % i
    assert s.count() == 1


def test_goaway_then_new_connection(tollgate, h2srv):
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    with hb.connect(port) as c:
        c.sendall(hb.build("/goaway"))
        st, _, _, body = hb.read_response(c)
        assert st == 200 and body == b"bye"
        c.sendall(hb.build("/after"))
        st, _, _, body = hb.read_response(c)
        assert st == 200 and body == b"hello /after"
    assert s.count() == 2


@pytest.mark.parametrize("path", ["/refuse-once", "/goaway-once"])
def test_refused_stream_is_retried(tollgate, haproxy, h2srv, path):
    """A stream the server refuses unprocessed (RST_STREAM REFUSED_STREAM,
    or a GOAWAY whose last-stream-id is below it) goes again on a new
    connection: the client gets the answer, the server sees the request
    twice. HAProxy 2.6 does so only with `retry-on` (its default answers
    502), which Tollgate does not parse: it compares with that."""
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    st, _, _, body = hb.get(port, path)
    assert st == 200 and body == b"hello " + path.encode()
    assert [p for p, _ in s.requests] == [path, path]
    assert s.count() == 2
    if path == "/goaway-once":
        return   # HAProxy 2.6, even with retry-on, waits for `timeout server`
    s2 = h2srv()
    port = start(haproxy, s2.port, "proto h2\n    retry-on all-retryable-errors")
    st, _, _, body = hb.get(port, path)
    assert st == 200 and body == b"hello " + path.encode()


def test_refused_stream_without_retries_is_502(tollgate, haproxy, h2srv):
    for starter in (tollgate, haproxy):
        s = h2srv()
        port = start(starter, s.port, "proto h2\n    retries 0" if starter is tollgate else "proto h2")
        st, _, _, _ = hb.get(port, "/refuse-once")
        assert st == 502


def test_always_refused_gives_up_after_retries(tollgate, h2srv):
    s = h2srv()
    port = start(tollgate, s.port, "proto h2\n    retries 2")
    st, _, _, _ = hb.get(port, "/refuse-always")
    assert st == 502
    assert [p for p, _ in s.requests] == ["/refuse-always"] * 3


def test_refused_post_body_is_sent_again(tollgate, h2srv):
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    with hb.connect(port) as c:
        c.sendall(b"POST /refuse-once HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        st, _, _, body = hb.read_response(c)
        assert st == 200
        c.sendall(hb.build("/next"))
        st, _, _, body = hb.read_response(c)
        assert st == 200 and body == b"hello /next"
    assert [p for p, _ in s.requests] == ["/refuse-once", "/refuse-once", "/next"]


@pytest.mark.parametrize("size", [20000, 40000])
def test_refused_large_body_is_502_like_haproxy(tollgate, haproxy, h2srv, size):
    """A request whose body is past the 16 KiB kept for a retry, refused
    unprocessed (REFUSED_STREAM): it cannot go again (HAProxy keeps a
    request for retry-on only when it fits its 16 KiB buffer, and Tollgate
    no copy past that), so the client gets a clean 502 logged SH--, the
    server saw it once, as with HAProxy 2.6, retry-on or not; the proxy
    goes on serving."""
    out = {}
    runs = (("tollgate", tollgate, ""), ("haproxy", haproxy, ""),
            ("haproxy-retry-on", haproxy, "\n    retry-on all-retryable-errors"))
    for name, starter, extra in runs:
        s = h2srv()
        port = free_port()
        t = starter("global\n    nbthread 1\n    log stdout format raw local0\n" +
                    (CFG % dict(port=port, srv=s.port, opts="proto h2" + extra)).replace(
                        "global\n    nbthread 1\n", "").replace(
                        "frontend fe\n", "frontend fe\n    log global\n    option httplog\n"), port=port)
        with hb.connect(port) as c:
            c.sendall(b"POST /refuse-once HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size +
                      b"a" * size)
            st = hb.read_response(c)[0]
        wait_until(lambda: "refuse-once" in t.output(), 5, name + " log line")
        line = [l for l in t.output().splitlines() if "refuse-once" in l][0]
        st2, _, _, body = hb.get(port, "/after")
        out[name] = (st, line.split()[line.split().index("-") + 2],
                     [p for p, _ in s.requests].count("/refuse-once"), st2, body)
    assert out["tollgate"] == (502, "SH--", 1, 200, b"hello /after"), out
    assert out["tollgate"] == out["haproxy"] == out["haproxy-retry-on"], out


def test_head_and_no_content(tollgate, nghttpd):
    srv, www = nghttpd
    (www / "f.txt").write_bytes(b"0123456789")
    port = start(tollgate, srv, "proto h2")
    with hb.connect(port) as c:
        c.sendall(hb.build("/f.txt", method="HEAD"))
        st, hd, _, body = hb.read_response(c, head_only_for_head=True)
        assert st == 200 and hd["content-length"] == "10" and body == b""
        c.sendall(hb.build("/f.txt"))
        st, hd, _, body = hb.read_response(c)
        assert st == 200 and body == b"0123456789"


def test_connect_failure_is_503(tollgate, dead_port):
    port = start(tollgate, dead_port, "proto h2")
    st, _, _, _ = hb.get(port, "/")
    assert st == 503


def connect_h2_client(port, data):
    """CONNECT ok.example:443 from an HTTP/2 client (python3-h2, checks
    off: a CONNECT has no :path), <data> sent with END_STREAM once the 200
    came: (status, bytes received, whether the stream ended, or "reset")."""
    cfg = h2cfg.H2Configuration(client_side=True, validate_outbound_headers=False,
                                validate_inbound_headers=False, normalize_outbound_headers=False)
    c = h2c.H2Connection(cfg)
    st, got, ended = None, b"", False
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sk:
        c.initiate_connection()
        c.send_headers(1, [(":method", "CONNECT"), (":authority", "ok.example:443")])
        sk.sendall(c.data_to_send())
        while not ended:
            d = sk.recv(65536)
            if not d:
                break
            for e in c.receive_data(d):
                if isinstance(e, h2ev.ResponseReceived):
                    st = int(dict(e.headers)[b":status"])
                    c.send_data(1, data, end_stream=True)
                elif isinstance(e, h2ev.DataReceived):
                    got += e.data
                    c.acknowledge_received_data(e.flow_controlled_length, 1)
                if isinstance(e, h2ev.StreamReset):
                    return st, got, "reset"
                ended |= isinstance(e, h2ev.StreamEnded)
            sk.sendall(c.data_to_send())
    return st, got, ended


def test_connect_tunnel_like_haproxy(tollgate, haproxy, h2srv):
    """CONNECT host:port to an HTTP/2 server (RFC 9113 8.5), as HAProxy:
    `:method CONNECT` and `:authority` only; a 2xx opens a tunnel both ways
    whose end (the client's shutdown, its END_STREAM) ends the stream, the
    server's END_STREAM then closing the client's side; a refusal is
    passed on as any response. From an HTTP/1.1 client and from an
    HTTP/2 one."""
    s = h2srv(lax=True)
    out = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, port2 = free_port(), free_port()
        starter(CFG % dict(port=port, srv=s.port, opts="proto h2") +
                "frontend fe2\n    bind 127.0.0.1:%d proto h2\n    default_backend be\n" % port2, port=port)
        wait_port(port2)
        del s.requests[:]
        res = []
        with hb.connect(port) as c:
            c.sendall(b"CONNECT ok.example:443 HTTP/1.1\r\nHost: ok.example:443\r\n\r\n")
            st, _ = head_only(c)
            c.sendall(b"through the tunnel")
            c.shutdown(socket.SHUT_WR)
            res.append((st, hb.read_until_close(c)))
        with hb.connect(port) as c:
            c.sendall(b"CONNECT refused.example:443 HTTP/1.1\r\nHost: refused.example:443\r\n\r\n")
            st, hd = head_only(c)
            res.append((st, hd.get("content-length")))
        res.append(connect_h2_client(port2, b"from h2"))
        res.append(sorted(sorted(h.items()) for _, h in s.requests))
        out[name] = res
    assert out["tollgate"][:3] == [(200, b"through the tunnel"), (403, "2"), (200, b"from h2", True)], out
    assert out["tollgate"][3] == [[(":authority", "ok.example:443"), (":method", "CONNECT")]] * 2 + \
        [[(":authority", "refused.example:443"), (":method", "CONNECT")]], out
    assert out["tollgate"] == out["haproxy"], out


# ---- TLS, ALPN ----

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def test_tls_alpn_h2(tollgate, haproxy, h2srv, certs):
    s = h2srv(certfile=certs["rsa"], alpn=("h2", "http/1.1"))
    for starter in (tollgate, haproxy):
        port = start(starter, s.port, "ssl verify none alpn h2,http/1.1\n"
                     "    http-response set-header x-bc-alpn %[ssl_bc_alpn]")
        st, hd, _, body = hb.get(port, "/echo", method="POST", body=b"over tls")
        assert st == 200 and body == b"over tls" and hd["x-scheme"] == "https"
        assert hd["x-bc-alpn"] == "h2"
        with hb.connect(port) as c:
            c.sendall(b"GET /grpc HTTP/1.1\r\nHost: x\r\n\r\n")
            st, hd = head_only(c)
            body, trailers = chunked_body(c)
        assert st == 200 and [t.lower() for t in trailers][0] == "grpc-status: 0"


def test_tls_alpn_picks_http11(tollgate, haproxy, h2srv, certs):
    s = h2srv(certfile=certs["rsa"], alpn=("http/1.1",))
    for starter in (tollgate, haproxy):
        port = start(starter, s.port, "ssl verify none alpn h2,http/1.1")
        st, _, _, body = hb.get(port, "/")
        assert st == 200 and body == b"h1 over tls"


def test_tls_proto_h2(tollgate, h2srv, certs):
    s = h2srv(certfile=certs["rsa"], alpn=("h2",))
    port = start(tollgate, s.port, "ssl verify none proto h2")
    st, hd, _, body = hb.get(port, "/echo", method="POST", body=b"x" * 200000)
    assert st == 200 and body == b"x" * 200000 and hd["x-scheme"] == "https"


def test_curl_and_h1_servers_unchanged(tollgate, http_backend):
    """HTTP/1.1 servers keep today's path (no transport above the socket)."""
    b = http_backend("A")
    port = start(tollgate, b.port, "")
    out = subprocess.run(["curl", "-s", "http://127.0.0.1:%d/x" % port], capture_output=True, timeout=10)
    assert out.returncode == 0 and out.stdout


def test_idle_pool_shares_h2_connections(tollgate, haproxy, h2srv):
    """`http-reuse always`: successive clients' requests share one HTTP/2
    server connection, parked in the idle pool between them."""
    for starter in (tollgate, haproxy):
        s = h2srv()
        port = start(starter, s.port, "proto h2\n    http-reuse always")
        for i in range(4):
            st, _, _, body = hb.get(port, "/c%d" % i)
            assert st == 200 and body == b"hello /c%d" % i
        assert s.count() == 1


def test_idle_pool_keeps_h2_over_tls(tollgate, h2srv, certs):
    s = h2srv(certfile=certs["rsa"], alpn=("h2", "http/1.1"))
    port = start(tollgate, s.port, "ssl verify none alpn h2,http/1.1\n    http-reuse always")
    for i in range(3):
        st, _, _, body = hb.get(port, "/t%d" % i)
        assert st == 200 and body == b"hello /t%d" % i
    assert s.count() == 1


def test_expect_100_continue(tollgate, haproxy, h2srv):
    """The server's interim 100 reaches the client as such, then the final
    response."""
    s = h2srv()
    for starter in (tollgate, haproxy):
        port = start(starter, s.port, "proto h2")
        with hb.connect(port) as c:
            c.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            st, _ = head_only(c)
            assert st == 100
            c.sendall(b"hello")
            st, hd, _, body = hb.read_response(c)
            assert st == 200 and body == b"hello"


def test_slow_client_holds_the_server_back(tollgate, h2srv):
    """A client that does not read: the server is held by flow control
    (the window is given back as the client takes the body), and the
    whole body arrives once it reads."""
    s = h2srv()
    port = start(tollgate, s.port, "proto h2")
    n = 40000000
    c = hb.PendingSocket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.settimeout(20)
    c.connect(("127.0.0.1", port))
    with c:
        c.sendall(hb.build("/big?%d" % n))
        wait_until(lambda: s.sent > 1000000, 10, "the server to start")
        # settled: nothing more moves while the client does not read
        prev = -1
        while prev != s.sent:
            prev = s.sent
            try:
                wait_until(lambda: s.sent != prev, 0.5, "more")
            except AssertionError:
                pass
        assert s.sent < n // 4, s.sent
        st, hd, _, body = hb.read_response(c)
    assert st == 200 and len(body) == n and body == pattern(n)


def test_default_server_and_add_server(tollgate, h2srv, tmp_path):
    """`proto h2` from default-server, and on a server added at runtime."""
    from conftest import admin_cli, admin_ready
    s = h2srv()
    sock = str(tmp_path / "adm.sock")
    port = free_port()
    tollgate("""
global
    nbthread 1
    stats socket %s level admin
""" % sock + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    use_backend dyn if { path_beg /dyn }
    default_backend be
backend be
    default-server proto h2
    server s1 127.0.0.1:%d
backend dyn
    balance roundrobin
""" % (port, s.port), port=port)
    st, _, _, body = hb.get(port, "/x")
    assert st == 200 and body == b"hello /x"
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    assert admin_cli(sock, "add server dyn/h 127.0.0.1:%d proto h2" % s.port).strip() == "New server registered."
    admin_cli(sock, "enable server dyn/h")
    st, _, _, body = hb.get(port, "/dyn")
    assert st == 200 and body == b"hello /dyn"


def test_tls_alpn_h2_nghttpd(tollgate, haproxy, certs, tmp_path):
    """nghttpd over TLS (it offers h2 by ALPN): a file and a 404 through
    `ssl alpn h2,http/1.1`, as HAProxy 2.6."""
    www = tmp_path / "www-tls"
    www.mkdir()
    (www / "a.txt").write_bytes(b"tls-h2\n")
    srv = free_port()
    d = certs["dir"]
    p = subprocess.Popen(["nghttpd", "-d", str(www), str(srv), os.path.join(d, "www-rsa.key"),
                          os.path.join(d, "www-rsa.crt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(srv)
        for starter in (tollgate, haproxy):
            port = start(starter, srv, "ssl verify none alpn h2,http/1.1\n"
                         "    http-response set-header x-bc-alpn %[ssl_bc_alpn]")
            st, hd, _, body = hb.get(port, "/a.txt")
            assert st == 200 and body == b"tls-h2\n" and hd["x-bc-alpn"] == "h2"
            st, _, _, _ = hb.get(port, "/none")
            assert st == 404
    finally:
        p.kill()
        p.wait()


def test_tcp_frontend_upgraded_to_http(tollgate, h2srv):
    """A mode tcp frontend whose backend is mode http (the connection is
    upgraded; its sockets are polled edge-triggered): large bodies both
    ways still flow through the HTTP/2 server side."""
    s = h2srv()
    port = free_port()
    tollgate("""
global
    nbthread 1
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    mode tcp
    bind 127.0.0.1:%d
    default_backend be
backend be
    mode http
    server s1 127.0.0.1:%d proto h2
""" % (port, s.port), port=port)
    big = os.urandom(1500000)
    st, _, _, body = hb.get(port, "/echo", method="POST", body=big, timeout=20)
    assert st == 200 and body == big
    st, _, _, body = hb.get(port, "/big?3000000", timeout=20)
    assert st == 200 and body == pattern(3000000)
