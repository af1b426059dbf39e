"""`Expect: 100-continue` while the proxy waits for a request's body
(`option http-buffer-request`, `http-request wait-for-body`), side by side
with the reference HAProxy 2.6: the proxy answers `HTTP/1.1 100 Continue`
itself, at once, and the server never sees the header; without such a wait
the header goes to the server, which answers the 100.
"""

import subprocess
import time

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import connect, read_response

BODY = b"hello"

CFG = HTTP_DEFAULTS + """
frontend buffered
    bind 127.0.0.1:%(p1)d
    option http-buffer-request
    http-request set-header x-body %%[req.body]
    default_backend be
frontend waiting
    bind 127.0.0.1:%(p2)d
    http-request wait-for-body time 3s if METH_POST
    http-request set-header x-body %%[req.body]
    default_backend be
frontend plain
    bind 127.0.0.1:%(p3)d
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""


def post_after_continue(port, path, chunked=False):
    """Sends a POST head with Expect: 100-continue, waits for the interim
    line (failing the test after 3 s without it), then sends the body;
    returns (interim status, final status, the final body)."""
    with connect(port, timeout=3.0) as s:
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % len(BODY)
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n%s\r\n\r\n" % (path.encode(), framing))
        interim = read_response(s)[0]
        s.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY) if chunked else BODY)
        st, _, _, body = read_response(s)
        return interim, st, body


def seen_by_server(b, path):
    r = [r for r in b.requests if r.path == path][-1]
    return r.header("expect"), r.header("x-body"), r.body


def test_expect_continue_agrees_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        p = {"p1": free_port(), "p2": free_port(), "p3": free_port(), "srv": b.port}
        start(CFG % p, port=p["p1"])
        got = []
        for port, path in ((p["p1"], "/buf"), (p["p2"], "/wait"), (p["p3"], "/plain")):
            got.append(post_after_continue(port, path)[:2])
            got.append(seen_by_server(b, path))
        got.append(post_after_continue(p["p1"], "/chunked", chunked=True)[:2])
        got.append(seen_by_server(b, "/chunked"))
        seen[name] = got
    assert seen["tollgate"] == [
        (100, 200), (None, "hello", BODY),               # the proxy's 100, header removed
        (100, 200), (None, "hello", BODY),
        (100, 200), ("100-continue", None, BODY),        # the server's 100
        (100, 200), (None, "hello", BODY),
    ]
    assert seen["tollgate"] == seen["haproxy"]


def test_curl_gets_the_continue_at_once(tollgate, http_backend):
    """curl holds the body back until a 100 or its own delay (here 10 s):
    it is done well before that only if the proxy answered the 100."""
    b = http_backend("A")
    port = free_port()
    tollgate(CFG % {"p1": port, "p2": free_port(), "p3": free_port(), "srv": b.port}, port=port)
    t0 = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--expect100-timeout", "10",
                          "-H", "Expect: 100-continue", "--data-binary", "x" * 2000,
                          "http://127.0.0.1:%d/curl" % port], capture_output=True, text=True, timeout=20)
    assert out.stdout == "200"
    assert time.monotonic() - t0 < 5
    assert seen_by_server(b, "/curl")[0] is None


BE_CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(p1)d
    use_backend buf if { path_beg /buf }
    default_backend plain
backend buf
    option http-buffer-request
    timeout http-request 300ms
    http-request set-header x-len %%[req.body,length]
    server s1 127.0.0.1:%(srv)d
backend plain
    http-request set-header x-len %%[req.body,length]
    server s1 127.0.0.1:%(srv)d
"""


def post_in_two_parts(port, path, second=b"y" * 500):
    """A POST of 1001 bytes sent as 501 bytes, a pause, then <second>;
    returns the status, or None if the proxy closed without one."""
    with connect(port) as s:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" % path.encode() + b"x" * 501)
        time.sleep(0.1)
        s.sendall(second)
        try:
            return read_response(s)[0]
        except (EOFError, ConnectionResetError):
            return None


def test_backend_buffer_request_agrees_with_haproxy(tollgate, haproxy, http_backend):
    """`option http-buffer-request` in a backend: the request waits for its
    body once the backend is chosen, before the backend's rules, under the
    backend's `timeout http-request`."""
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        p = {"p1": free_port(), "srv": b.port}
        start(BE_CFG % p, port=p["p1"])
        got = [post_after_continue(p["p1"], "/buf/expect")[:2],
               seen_by_server(b, "/buf/expect")[0],
               post_in_two_parts(p["p1"], "/buf/slow"),
               post_in_two_parts(p["p1"], "/buf/never", second=b""),
               post_in_two_parts(p["p1"], "/plain")]
        got.append([(r.path, r.header("x-len")) for r in b.requests if r.path != "/buf/expect"])
        seen[name] = got
    assert seen["tollgate"] == [(100, 200), None, 200, 408, 200, [("/buf/slow", "1001"), ("/plain", "501")]]
    assert seen["tollgate"] == seen["haproxy"]
