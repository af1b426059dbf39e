"""`balance uri` as HAProxy: the key is the target up to '?' (an
absolute-form one with its scheme and authority), `path-only` drops the
scheme and authority, `whole` keeps the query; a map-based table is
indexed with HAProxy's hash function (sdbm), so that the same requests
reach the same servers as with HAProxy 2.6 on the same configuration."""
import pytest

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import get, request


def cfg(port, bes, opts):
    return HTTP_DEFAULTS + """
listen px
    bind 127.0.0.1:%d
    balance uri %s
%s
""" % (port, opts, "\n".join("    server s%d 127.0.0.1:%d" % (i + 1, b.port) for i, b in enumerate(bes)))


TARGETS = ["/url1", "/url1?ignore=this-arg", "http://127.0.0.1/url1", "http://127.0.0.1/url2",
           "/url2?a=b", "/url3", "/url4", "/a/b/c?d", "http://127.0.0.1/url3?x"]


def served_by(port, target):
    raw = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % target).encode()
    status, _, _, body = request(port, raw)
    assert status == 200, (target, status)
    return body.split(b" ")[0].decode()


@pytest.mark.parametrize("opts", ["", "path-only", "whole", "whole path-only"])
def test_uri_server_choice_like_haproxy(tollgate, haproxy, http_backend, opts):
    bes = [http_backend(t) for t in "ABCD"]
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, bes, opts), port=port)
        got[name] = [served_by(port, t) for t in TARGETS]
    assert got["tollgate"] == got["haproxy"], got
    choice = dict(zip(TARGETS, got["tollgate"]))
    if opts == "path-only":
        # the conformance test's expectations (balance-uri-path-only.vtc)
        assert [choice[t] for t in ("http://127.0.0.1/url1", "/url1?ignore=this-arg", "http://127.0.0.1/url2",
                                     "/url3", "/url4")] == ["B", "B", "C", "D", "A"], choice
