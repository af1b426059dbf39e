"""A denied request on a keep-alive HTTP/1.1 connection: HAProxy 2.6 sends
its reply without `connection: close` and keeps the connection for the
next request, for `deny` (with or without `deny_status`) and `tarpit`
alike; so does Tollgate."""
import socket

import pytest

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, start_both

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """    timeout tarpit 10ms
frontend fe
    bind 127.0.0.1:%(port)d
    http-request deny if { path /deny }
    http-request deny deny_status 429 if { path /deny429 }
    http-request tarpit if { path /tarpit }
    http-request return status 200 content-type text/plain string ok if { path /next }
"""


def read_reply(s):
    """Reads one response (head and content-length body); returns the head's
    lines."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        assert d, "closed before a response: %r" % data
        data += d
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    clen = [int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:")]
    while len(body) < (clen[0] if clen else 0):
        d = s.recv(65536)
        assert d, "closed within the body"
        body += d
    return lines


@pytest.mark.parametrize("path", ["/deny", "/deny429", "/tarpit"])
def test_denied_request_keeps_the_connection(tollgate, haproxy, tmp_path, path):
    both = start_both(tollgate, haproxy, tmp_path, CFG)
    out = {}
    for which, (_, port) in both.items():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET %s HTTP/1.1\r\nhost: a\r\n\r\n" % path.encode())
            first = read_reply(s)
            # the same connection takes the next request
            s.sendall(b"GET /next HTTP/1.1\r\nhost: a\r\n\r\n")
            second = read_reply(s)
        out[which] = (first, second[0])
    assert out["tollgate"] == out["haproxy"], out
    assert not any(l.lower().startswith("connection:") for l in out["tollgate"][0]), out
    assert out["tollgate"][1] == "HTTP/1.1 200 OK"
