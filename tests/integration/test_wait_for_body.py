"""http-request / http-response wait-for-body seen from outside, side by
side with the reference HAProxy 2.6: the rules stop at the rule until the
body is there (or `at-least` bytes of it), then go on; a client too slow
gets 408, a server too slow 504.
"""

import socket
import time

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import connect, read_response

BODY = b"x" * 1001

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request wait-for-body time 300ms if { path /a }
    http-request wait-for-body time 300ms at-least 1000 if { path /b }
    http-request set-header x-after-wait 1
    default_backend be
backend be
    server s1 127.0.0.1:%d
frontend fe2
    bind 127.0.0.1:%d
    default_backend be2
backend be2
    http-response wait-for-body time 300ms if { status eq 200 }
    http-response wait-for-body time 300ms at-least 1000 if { status eq 201 }
    http-response set-header x-after-wait 1
    server s1 127.0.0.1:%d
"""


def send_request(port, path, parts, pause):
    """Sends a POST of BODY in <parts> (byte counts) with <pause> between
    them; returns the status, or None if the proxy closed."""
    with connect(port) as s:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (path.encode(), len(BODY)))
        sent = 0
        for n in parts:
            time.sleep(pause)
            s.sendall(BODY[sent:sent + n])
            sent += n
        try:
            return read_response(s)[0]
        except (EOFError, ConnectionResetError):
            return None


def send_chunked(port, path):
    """Sends a chunked POST whose last chunk comes after a pause."""
    with connect(port) as s:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" % path.encode())
        time.sleep(0.1)
        s.sendall(b"6\r\n world\r\n0\r\n\r\n")
        return read_response(s)[0]


def slow_server(sock):
    """Answers each request with a 1001-byte body: 200 sent whole after a
    pause, 201 whose last byte comes late, 202 whose last byte never comes."""
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = sock.recv(65536)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1]
            status = {b"/ok": 200, b"/least": 201, b"/stall": 200}[path]
            sock.sendall(b"HTTP/1.1 %d OK\r\nContent-Length: 1001\r\n\r\n" % status)
            time.sleep(0.05)
            sock.sendall(BODY[:1000])
            if path == b"/stall":
                time.sleep(2)
                return
            time.sleep(0.05 if path == b"/ok" else 0.6)
            sock.sendall(BODY[1000:])
    except OSError:
        pass
    finally:
        sock.close()


def response_status(port, path):
    with connect(port) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        st, hdrs, _, body = read_response(s)
        return st, hdrs.get("x-after-wait"), len(body)


def test_wait_for_body_agrees_with_haproxy(tollgate, haproxy, http_backend, backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        raw = backend("R", slow_server)
        p1, p2 = free_port(), free_port()
        start(CFG % (p1, b.port, p2, raw.port), port=p1)
        got = [
            send_request(p1, "/a", [1000], 0.05),          # never complete: 408
            send_request(p1, "/a", [500, 501], 0.05),      # complete, slowly: forwarded
            send_request(p1, "/b", [1000, 1], 0.05),       # at-least 1000: forwarded
        ]
        got.append(send_chunked(p1, "/a"))                 # chunked, complete: forwarded
        reqs = [r for r in b.requests if r.path in ("/a", "/b")]
        got.append([(r.path, len(r.body), r.header("x-after-wait")) for r in reqs])
        got.append(response_status(p2, "/ok"))
        got.append(response_status(p2, "/least"))
        got.append(response_status(p2, "/stall")[0])
        seen[name] = got
    assert seen["tollgate"] == [408, 200, 200, 200, [("/a", 1001, "1"), ("/b", 1001, "1"), ("/a", 11, "1")],
                                (200, "1", 1001), (201, "1", 1001), 504]
    assert seen["tollgate"] == seen["haproxy"]


def test_wait_for_body_refused_where_haproxy_refuses(tmp_path):
    from conftest import run_check
    for line, msg in (("http-request wait-for-body 1s", "'wait-for-body' expects 'time <time>'"),
                      ("http-request wait-for-body time x", "'wait-for-body time' : invalid time 'x'"),
                      ("http-after-response wait-for-body time 1s", "unknown action 'wait-for-body'")):
        rc, out, _ = run_check(HTTP_DEFAULTS + "listen l\n    bind 127.0.0.1:0\n    %s\n" % line, tmp_path)
        assert rc != 0 and msg in out, out
