"""mode http: malformed requests. Each raw request below is answered with
the status of its parse error (include/tollgate/h1.h, h1_err_status():
400, 414, 431, 501, 505), the connection is closed, the server never gets
it as a request, and the proxy goes on serving a normal request on a new
connection. Then request smuggling attempts and the limits' boundaries."""

import pytest

from conftest import Tollgate, free_port, wait_port
from httpbackend import HttpBackend, build, connect, read_response, read_until_close, request

H = b"Host: x\r\n"


CASES = [
    # framing: Content-Length / Transfer-Encoding
    ("two_cl_differ", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    ("cl_list_differ", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: 5, 6\r\n\r\nhello!"),
    ("cl_plus_sign", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello"),
    ("cl_minus_sign", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: -5\r\n\r\nhello"),
    ("cl_inner_space", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: 1 0\r\n\r\nhellohello"),
    ("cl_hex", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: 0x5\r\n\r\nhello"),
    ("cl_empty", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length:\r\n\r\n"),
    ("cl_overflow", 400, b"POST /m HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999\r\n\r\n"),
    ("te_not_ending_chunked", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, gzip\r\n\r\n"
                                   b"0\r\n\r\n"),
    ("te_gzip_only", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n"),
    ("te_unknown_coding", 501, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n"),
    ("te_chunked_twice", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, chunked\r\n\r\n"
                              b"0\r\n\r\n"),
    ("te_empty", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding:\r\n\r\n"),
    ("te_in_http10", 400, b"POST /m HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    # line syntax
    ("obs_fold", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: a\r\n  folded\r\n\r\n"),
    ("obs_fold_tab_first_field", 400, b"GET /m HTTP/1.1\r\n\tX-A: a\r\n" + H + b"\r\n"),
    ("bare_cr_in_value", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: a\rb\r\n\r\n"),
    ("bare_cr_line_end", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: a\r\r\n\r\n"),
    ("bare_lf_everywhere", 400, b"GET /m HTTP/1.1\nHost: x\n\n"),
    ("bare_lf_in_header", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: b\n\r\n"),
    ("nul_in_value", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n"),
    ("ctl_in_value", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: a\x01b\r\n\r\n"),
    ("esc_in_value", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A: a\x1bb\r\n\r\n"),
    ("space_before_colon", 400, b"GET /m HTTP/1.1\r\n" + H + b"X-A : b\r\n\r\n"),
    ("host_space_before_colon", 400, b"GET /m HTTP/1.1\r\nHost : x\r\n\r\n"),
    ("bad_char_in_name", 400, b"GET /m HTTP/1.1\r\n" + H + b"X(A): b\r\n\r\n"),
    ("no_colon", 400, b"GET /m HTTP/1.1\r\n" + H + b"NoColonHere\r\n\r\n"),
    ("empty_name", 400, b"GET /m HTTP/1.1\r\n" + H + b": value\r\n\r\n"),
    # request line
    ("bad_char_in_method", 400, b"G(T /m HTTP/1.1\r\n" + H + b"\r\n"),
    ("at_in_method", 400, b"GE@T /m HTTP/1.1\r\n" + H + b"\r\n"),
    ("space_in_target", 400, b"GET /m n HTTP/1.1\r\n" + H + b"\r\n"),
    ("ctl_in_target", 400, b"GET /m\x01n HTTP/1.1\r\n" + H + b"\r\n"),
    ("del_in_target", 400, b"GET /m\x7fn HTTP/1.1\r\n" + H + b"\r\n"),
    ("target_not_origin_form", 400, b"GET m HTTP/1.1\r\n" + H + b"\r\n"),
    ("asterisk_with_get", 400, b"GET * HTTP/1.1\r\n" + H + b"\r\n"),
    ("userinfo_names_other_host", 400, b"GET http://x@y/m HTTP/1.1\r\n" + H + b"\r\n"),
    ("absolute_other_host", 400, b"GET http://example.com/m HTTP/1.1\r\n" + H + b"\r\n"),
    ("connect_other_host", 400, b"CONNECT example.com:443 HTTP/1.1\r\n" + H + b"\r\n"),
    ("double_space", 400, b"GET  /m HTTP/1.1\r\n" + H + b"\r\n"),
    ("no_version", 400, b"GET /m\r\n" + H + b"\r\n"),
    ("lowercase_version", 400, b"GET /m http/1.1\r\n" + H + b"\r\n"),
    ("version_one_digit", 400, b"GET /m HTTP/1\r\n" + H + b"\r\n"),
    ("version_trailing_junk", 400, b"GET /m HTTP/1.1x\r\n" + H + b"\r\n"),
    ("http_0_9_version", 505, b"GET /m HTTP/0.9\r\n" + H + b"\r\n"),
    # Host
    ("two_hosts", 400, b"GET /m HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
    ("two_hosts_same", 400, b"GET /m HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"),
    ("host_with_space", 400, b"GET /m HTTP/1.1\r\nHost: a b\r\n\r\n"),
    ("host_with_slash", 400, b"GET /m HTTP/1.1\r\nHost: a/b\r\n\r\n"),
    ("host_with_at", 400, b"GET /m HTTP/1.1\r\nHost: u@a\r\n\r\n"),
    ("host_bad_port", 400, b"GET /m HTTP/1.1\r\nHost: a:8x\r\n\r\n"),
    ("host_open_bracket", 400, b"GET /m HTTP/1.1\r\nHost: [::1\r\n\r\n"),
    # sizes (tune.http.maxhdr 10, tune.bufsize 16384, tune.maxrewrite 1024)
    ("uri_too_long", 414, b"GET /" + b"u" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("too_many_headers", 431, b"GET /m HTTP/1.1\r\n" + H + b"".join(b"X-%d: v\r\n" % i for i in range(10))
                              + b"\r\n"),
    ("head_too_large", 431, b"GET /m HTTP/1.1\r\n" + H + b"".join(b"X-%d: " % i + b"v" * 3100 + b"\r\n"
                                                                  for i in range(5)) + b"\r\n"),
    # chunked bodies: answered 400 before any response started
    ("bad_chunk_size", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_overflow", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                                 b"fffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_negative", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                                 b"-5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_data_no_crlf", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                                b"5\r\nhelloXX0\r\n\r\n"),
    ("chunk_line_bare_lf", 400, b"POST /m HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                                b"5\nhello\r\n0\r\n\r\n"),
]


class Proxy:
    def __init__(self, port, backend, proc):
        self.port, self.backend, self.proc = port, backend, proc
        self.sane = 0


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """One tollgate for the whole matrix (tune.http.maxhdr 10), in front of
    one recording server."""
    b = HttpBackend("A")
    port = free_port()
    path = tmp_path_factory.mktemp("malformed") / "tollgate.cfg"
    path.write_text("""
global
    nbthread 2
    tune.bufsize 16384
    tune.maxrewrite 1024
    tune.http.maxhdr 10
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
    timeout http-request 5s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port))
    t = Tollgate(str(path))
    try:
        wait_port(port)
    except AssertionError:
        t.kill()
        b.stop()
        raise AssertionError("tollgate did not start:\n" + t.output())
    yield Proxy(port, b, t)
    t.kill()
    b.stop()


def sane(p):
    """A normal request on a new connection is served."""
    p.sane += 1
    path = "/sane%d" % p.sane
    st, _, _, body = request(p.port, build(path))
    assert st == 200 and body == ("A GET %s\n" % path).encode()


def only_sane_requests(p, n0=0):
    """Every request the server received since the <n0>th was a sanity
    request."""
    paths = [r.path for r in p.backend.requests[n0:]]
    return all(x.startswith("/sane") for x in paths), paths


@pytest.mark.parametrize("name,status,raw", CASES, ids=[c[0] for c in CASES])
def test_malformed_request_is_refused(proxy, name, status, raw):
    n0 = proxy.backend.count()
    with connect(proxy.port) as s:
        s.sendall(raw)
        st, h, _, body = read_response(s)
        assert st == status, (name, st, body[:200])
        # the proxy closes after an error
        assert h.get("connection", "").lower() == "close"
        assert read_until_close(s) == b""
    assert proxy.proc.proc.poll() is None, proxy.proc.output()
    sane(proxy)
    ok, paths = only_sane_requests(proxy, n0)
    assert ok, paths


def test_smuggling_cl_te_never_reaches_admin(proxy):
    """Content-Length with Transfer-Encoding: the chunked framing wins
    (RFC 9112 6.3, as HAProxy), the server gets Transfer-Encoding alone,
    and the connection closes after the response: what a Content-Length
    reader would have taken for a second request is never read as one."""
    n0 = proxy.backend.count()
    attack = (b"POST /m HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n")
    with connect(proxy.port) as s:
        s.sendall(attack)
        st, _, _, _ = read_response(s)
        assert st == 200
        # nothing more is answered on this connection: no second response
        assert read_until_close(s) == b""
    # TE first, CL second, with a body that a CL-reading server would
    # split differently
    attack2 = (b"POST /m HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n"
               b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n")
    with connect(proxy.port) as s:
        s.sendall(attack2)
        assert read_response(s)[0] == 200
        assert read_until_close(s) == b""
    # an obfuscated Transfer-Encoding is not taken for chunked, nor ignored
    for te in (b"Transfer-Encoding : chunked", b"Transfer-Encoding: xchunked", b"Transfer-Encoding:\x0bchunked"):
        with connect(proxy.port) as s:
            s.sendall(b"POST /m HTTP/1.1\r\nHost: x\r\n" + te + b"\r\nContent-Length: 35\r\n\r\n"
                      b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n")
            st, _, _, _ = read_response(s)
            assert st in (400, 501), te
            assert read_until_close(s) == b""
    sane(proxy)
    got = [r for r in proxy.backend.requests[n0:] if not r.path.startswith("/sane")]
    assert [r.path for r in got] == ["/m", "/m"], [r.path for r in got]
    for r in got:
        assert r.header_all("content-length") == [] and r.body == b"", r.headers


def test_smuggling_valid_chunked_then_pipelined(proxy):
    """A valid chunked request followed by a pipelined one: both are
    forwarded as two requests, never merged or split differently."""
    n0 = proxy.backend.count()
    with connect(proxy.port) as s:
        s.sendall(b"POST /sane-chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n0\r\n\r\nGET /sane-next HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 200
        assert read_response(s)[0] == 200
    got = [(r.method, r.path, r.body) for r in proxy.backend.requests[n0:]]
    assert got == [("POST", "/sane-chunked", b"hello"), ("GET", "/sane-next", b"")]


def test_limits_boundaries_are_accepted(proxy):
    """Just under each limit is fine: 10 fields with maxhdr 10, a request
    line just under 8 kB, a head just under bufsize - maxrewrite."""
    n0 = proxy.backend.count()
    ten = b"GET /sane-ten HTTP/1.1\r\n" + H + b"".join(b"X-%d: v\r\n" % i for i in range(9)) + b"\r\n"
    assert request(proxy.port, ten)[0] == 200
    path = b"/sane-long" + b"u" * 8000
    assert request(proxy.port, b"GET " + path + b" HTTP/1.1\r\n" + H + b"\r\n")[0] == 200
    big = b"GET /sane-big HTTP/1.1\r\n" + H + b"".join(b"X-%d: " % i + b"v" * 2800 + b"\r\n" for i in range(5)) + b"\r\n"
    assert len(big) < 16384 - 1024
    assert request(proxy.port, big)[0] == 200
    assert [r.path.encode() for r in proxy.backend.requests[n0:]] == [b"/sane-ten", path, b"/sane-big"]
    # the server receives the fields it was sent
    assert proxy.backend.requests[-1].header("X-4") == "v" * 2800


def test_malformed_after_valid_on_keepalive(proxy):
    """Pipelined: a valid request, then a malformed one on the same
    connection. The first is served, the second refused and the connection
    closed; the server only ever sees the first."""
    n0 = proxy.backend.count()
    with connect(proxy.port) as s:
        s.sendall(b"GET /sane-first HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /m HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
                  b"GET /sane-never HTTP/1.1\r\nHost: x\r\n\r\n")
        st, _, _, body = read_response(s)
        assert st == 200 and body == b"A GET /sane-first\n"
        st, h, _, _ = read_response(s)
        assert st == 400 and h.get("connection") == "close"
        assert read_until_close(s) == b""
    sane(proxy)
    assert [r.path for r in proxy.backend.requests[n0:]] == ["/sane-first", "/sane%d" % proxy.sane]
