"""`srv_sess_rate([backend/]server)`: the sessions handed to a server over
the last second, compared with HAProxy 2.6 on the same configuration."""
from httpbackend import request

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-response set-header x-rate %%[srv_sess_rate(be/s1)]
    http-response set-header x-other %%[srv_sess_rate(be/s2)]
    default_backend be

backend be
    balance first
    server s1 127.0.0.1:%(b)d
    server s2 127.0.0.1:%(b)d
"""


def rates(start, b):
    port = free_port()
    start(CFG % {"port": port, "b": b.port}, port=port)
    out = []
    for _ in range(3):
        _, hdrs, _, _ = request(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out.append((hdrs.get("x-rate"), hdrs.get("x-other")))
    return out


def test_srv_sess_rate_matches_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A")
    got = rates(tollgate, b)
    want = rates(haproxy, b)
    assert got == want == [("1", "0"), ("2", "0"), ("3", "0")]
