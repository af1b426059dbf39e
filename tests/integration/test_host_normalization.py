"""mode http: the authority of an absolute-form or CONNECT target against
the Host field (RFC 9112 3.2.2), and HAProxy's scheme-based normalization
(RFC 3986 6.2.3): a default or empty port is removed from the target, which
gets the path "/" when it has none, and Host takes the target's host; a
userinfo is skipped. Each request is sent to tollgate and to HAProxy 2.6 on
the same configuration: the status, the request line and the Host that the
rules see must agree."""

import pytest

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import request

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 hdr x-line "%%[method] %%[url]" hdr x-host "{%%[req.hdr(host)]}"
"""

CASES = [
    # (target, Host, method)
    ("http://toto:poue@hostname:80/c1", "hostname:80", "GET"),
    ("http://hostname:8080/c2", "hostname:8080", "GET"),
    ("https://hostname:443/c3", "hostname:443", "GET"),
    ("https://hostname:80/c4", "hostname:80", "GET"),
    ("http://hostname:80/c20", "hostname", "GET"),
    ("http://hostname/c22", "hostname:80", "GET"),
    ("http://hostname:/c24", "hostname", "GET"),
    ("http://hostname/c26", "hostname:", "GET"),
    ("http://hostname:80/c28", "hostname:", "GET"),
    ("http://hostname", "hostname", "GET"),
    ("http://hostname?a=b", "hostname", "GET"),
    ("hostname:80", "hostname:80", "CONNECT"),
    ("hostname:443", "hostname", "CONNECT"),
    ("hostname:8443", "hostname:8443", "CONNECT"),
    # refused: 400
    ("http://hostname1/", "hostname2", "GET"),
    ("http://hostname:80/", "hostname:81", "GET"),
    ("http://hostname:8080/", "hostname", "GET"),
    ("http://hostname/", "hostname:81", "GET"),
    ("http://user@other/", "user", "GET"),
    ("hostname", "hostname", "CONNECT"),
    ("hostname1:80", "hostname2:80", "CONNECT"),
    ("hostname:80", "hostname:443", "CONNECT"),
    ("hostname:8080", "hostname", "CONNECT"),
]


# Where HAProxy 2.6 differs from 3.x, which the conformance test
# http-messaging/h1_host_normalization.vtc checks and tollgate follows.
NEWER = {
    ("GET", "http://hostname"),        # 3.x adds the path "/"
    ("GET", "http://hostname?a=b"),    # 2.6 refuses an authority followed by '?'
}


def seen(port, target, host, method):
    raw = ("%s %s HTTP/1.1\r\nhost: %s\r\n\r\n" % (method, target, host)).encode()
    status, hdrs, _, _ = request(port, raw)
    if status != 200:
        return status, None, None
    return status, hdrs.get("x-line"), hdrs.get("x-host")



def test_host_normalization_matches_haproxy(tollgate, haproxy):
    tp, hp = free_port(), free_port()
    tollgate(CFG % {"port": tp}, port=tp)
    haproxy(CFG % {"port": hp}, port=hp)
    for target, host, method in CASES:
        got = seen(tp, target, host, method)
        ref = seen(hp, target, host, method)
        if (method, target) in NEWER:
            assert got != ref, "2.6 now agrees on %r" % (target,)
            continue
        assert got == ref, (method, target, host, got, ref)


def test_host_normalization_rewrites(tollgate):
    tp = free_port()
    tollgate(CFG % {"port": tp}, port=tp)
    assert seen(tp, "http://toto:poue@hostname:80/c1", "hostname:80", "GET") == \
        (200, "GET http://toto:poue@hostname/c1", "{hostname}")
    assert seen(tp, "http://hostname:/c24", "hostname", "GET") == (200, "GET http://hostname/c24", "{hostname}")
    assert seen(tp, "hostname:443", "hostname:443", "CONNECT") == (200, "CONNECT hostname:443", "{hostname}")
    assert seen(tp, "http://hostname:8080/", "hostname", "GET")[0] == 400
