"""`redir <prefix>` on a server, side by side with haproxy 2.6: a GET or
HEAD request for which the server is chosen gets a 302 to the prefix
followed by the request's path, and never reaches the server; other
methods are forwarded."""
import socket

from conftest import HTTP_DEFAULTS, run_check
from httpbackend import HttpBackend


def cfg(port, bport):
    return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d redir http://img.example.com
""" % (port, bport)


def ask(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(request)
        data = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            data += d
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    lines = head.split("\r\n")
    fields = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        fields[k.strip().lower()] = v.strip()
    return lines[0].split(" ", 2)[1], fields.get("location"), fields.get("cache-control"), fields.get("content-length")


REQUESTS = (
    b"GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    b"HEAD /img.png HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    b"GET http://h/abs/path?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
)


def test_redir_matches_haproxy(tollgate, haproxy, tmp_path):
    from conftest import free_port
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        b = HttpBackend("A")
        port = free_port()
        starter(cfg(port, b.port), port=port)
        out[which] = ([ask(port, r) for r in REQUESTS], b.count())
        b.stop()
    assert out["tollgate"] == out["haproxy"], out
    answers, reached = out["tollgate"]
    assert answers[0] == ("302", "http://img.example.com/a/b?x=1", "no-cache", "0")
    assert answers[1][:2] == ("302", "http://img.example.com/img.png")
    assert answers[2][:2] == ("302", "http://img.example.com/abs/path?q")
    assert answers[3][0] == "200" and reached == 1    # only the POST went to the server


def test_redir_needs_prefix(tmp_path):
    rc, out, _ = run_check(HTTP_DEFAULTS + "backend be\n    server s1 127.0.0.1:1 redir\n", tmp_path)
    assert rc != 0 and "'redir' expects <prefix>" in out and ":8]" in out, out
