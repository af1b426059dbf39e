"""HTTP/2 to servers, several client streams on one server connection
(doc/internals/mux.md, "Several client streams on one connection"):
`http-reuse` decides which request may take a free stream of a connection
of the same thread and server while others are in flight on it, within
the server's SETTINGS_MAX_CONCURRENT_STREAMS, `max-reuse` and
`tune.h2.be.max-concurrent-streams`. h2server.py counts the connections
and requests; where HAProxy 2.6 does the same, both run the same
configuration and must agree.
"""
import socket

import pytest

from conftest import HTTP_DEFAULTS, free_port, wait_until
from h2server import H2Server
import httpbackend as hb


CFG = """
global
    nbthread 1
%(glob)s
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    http-reuse %(reuse)s
    server s1 127.0.0.1:%(srv)d proto h2 %(opts)s
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


def start(starter, srv, reuse, opts="", glob=""):
    port = free_port()
    starter(CFG % dict(port=port, srv=srv.port, reuse=reuse, opts=opts, glob=glob), port=port)
    return port


def hold_big(port, n, path="/big?8000000"):
    """<n> HTTP/1.1 clients that ask for a large body and do not read it:
    their streams stay open. Returns the sockets (closed by the caller)."""
    socks = []
    for i in range(n):
        c = hb.connect(port)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        socks.append(c)
    return socks


def requests_seen(s):
    with s.lock:
        return len(s.requests)


def measure(starter, s, reuse, clients=4, opts="", glob=""):
    """One request that leaves an idle connection, then <clients> held
    /big responses: (connections, requests) the server saw."""
    port = start(starter, s, reuse, opts, glob)
    st, _, _, body = hb.get(port, "/first")
    assert st == 200 and body == b"hello /first"
    socks = hold_big(port, clients)
    try:
        wait_until(lambda: requests_seen(s) == clients + 1, 10, "requests: %d" % requests_seen(s))
        return s.count(), requests_seen(s)
    finally:
        for c in socks:
            c.close()


@pytest.mark.parametrize("reuse,expect", [("safe", (5, 5)), ("aggressive", (1, 5)), ("always", (1, 5)),
                                          ("never", (5, 5))])
def test_held_streams_share_a_connection_like_haproxy(tollgate, haproxy, h2srv, reuse, expect):
    """The table of mux.md: `safe` gives each client's first request a
    connection of its own (5), `aggressive` and `always` put them all on
    the idle connection the first request left (1 connection, 5 streams),
    as HAProxy 2.6."""
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        got[name] = measure(starter, h2srv(), reuse)
    assert got["tollgate"] == got["haproxy"] == expect, got


def test_server_max_concurrent_streams_like_haproxy(tollgate, haproxy, h2srv):
    """The server announces SETTINGS_MAX_CONCURRENT_STREAMS 2: the idle
    connection takes two held streams, a new one the next two."""
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        got[name] = measure(starter, h2srv(max_streams=2), "always")
    assert got["tollgate"] == got["haproxy"] == (2, 5), got


def test_tune_h2_max_concurrent_streams_like_haproxy(tollgate, haproxy, h2srv):
    """HAProxy 2.6's `tune.h2.max-concurrent-streams` limits the streams of
    its server connections too (2.6 has no `tune.h2.be.*`)."""
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        got[name] = measure(starter, h2srv(), "always", glob="    tune.h2.max-concurrent-streams 2")
    assert got["tollgate"] == got["haproxy"] == (2, 5), got


@pytest.mark.parametrize("n,expect", [(1, 4), (3, 2), (8, 1)])
def test_tune_h2_be_max_concurrent_streams(tollgate, h2srv, n, expect):
    """`tune.h2.be.max-concurrent-streams` (HAProxy 2.8's; 2.6 refuses
    it): at most N streams at once on one server connection."""
    s = h2srv()
    assert measure(tollgate, s, "always", glob="    tune.h2.be.max-concurrent-streams %d" % n) == (expect, 5)


@pytest.mark.parametrize("reuse,expect", [(0, 5), (1, 3), (2, 2), (-1, 1)])
def test_max_reuse_like_haproxy(tollgate, haproxy, h2srv, reuse, expect):
    """`max-reuse N`: a connection serves N + 1 streams in its life (the
    first use and N reuses), then takes no more and closes after its last
    one; -1: no limit; 0: no reuse, as HAProxy 2.6."""
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        got[name] = measure(starter, h2srv(), "always", opts="max-reuse %d" % reuse)
    assert got["tollgate"] == got["haproxy"] == (expect, 5), got


def test_max_reuse_closes_after_last_stream(tollgate, h2srv):
    """A connection whose max-reuse is spent closes once its last stream
    ends: successive requests then open new connections."""
    s = h2srv()
    port = start(tollgate, s, "always", opts="max-reuse 1")
    for i in range(5):
        st, _, _, body = hb.get(port, "/m%d" % i)
        assert st == 200 and body == b"hello /m%d" % i
    assert s.count() == 3   # 2 + 2 + 1 requests


def outcome(c):
    """A held client's outcome: its status, or "closed" (nothing came)."""
    c.settimeout(10)
    try:
        return hb.read_response(c)[0]
    except EOFError:
        return "closed"


def dying(starter, h2srv, retry_on):
    """Three held clients on a server whose first connection closes as its
    third stream arrives: their sorted outcomes. The proxy must serve a
    request afterwards."""
    s = h2srv(close_after=3)
    port = start(starter, s, "always\n    " + retry_on)
    socks = hold_big(port, 3, "/big?1000")
    try:
        got = sorted(str(outcome(c)) for c in socks)
    finally:
        for c in socks:
            c.close()
    st, _, _, body = hb.get(port, "/after")
    assert st == 200 and body == b"hello /after"
    return got


def test_connection_dying_under_several_streams_like_haproxy(tollgate, haproxy, h2srv):
    """Each stream of the dead connection fails on its own as a single
    stream's request would: 502 (SH) for each client's first request (a
    stream of a shared connection is not the kept idle connection whose
    close HAProxy answers by closing the client's), as HAProxy 2.6."""
    got = {name: dying(starter, h2srv, "") for name, starter in (("tollgate", tollgate), ("haproxy", haproxy))}
    assert got["tollgate"] == got["haproxy"] == ["502"] * 3, got


def test_connection_dying_under_several_streams_retried(tollgate, h2srv):
    """With `retry-on all-retryable-errors` each of the three requests is
    sent again (its own copy, on a new connection) and succeeds. HAProxy
    2.6 retries only one of them here (200, 502, 502): see mux.md."""
    assert dying(tollgate, h2srv, "retry-on all-retryable-errors") == ["200"] * 3


def test_client_leaving_cancels_only_its_stream(tollgate, h2srv):
    """A client that goes away mid-response frees its stream with
    RST_STREAM CANCEL; the other streams of the connection go on."""
    s = h2srv()
    port = start(tollgate, s, "always")
    keep = hb.connect(port)
    keep.sendall(b"GET /big?300000 HTTP/1.1\r\nHost: x\r\n\r\n")
    gone = hold_big(port, 1)[0]
    wait_until(lambda: requests_seen(s) == 2, 10)
    gone.close()
    wait_until(lambda: [r for r in s.resets if r[1] == 8], 10, "resets: %r" % s.resets)   # CANCEL
    keep.settimeout(10)
    st, _, _, body = hb.read_response(keep)
    keep.close()
    assert st == 200 and len(body) == 300000
    assert s.count() == 1 and len(s.resets) == 1
