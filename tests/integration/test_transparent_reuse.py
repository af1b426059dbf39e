"""A server that takes each client's destination (`server s 0.0.0.0`,
HAProxy's transparent servers) reuses a connection only for the
destination it goes to: `http-request set-dst` / `set-dst-port` may send
each request of a client connection elsewhere, and the request must reach
that place, not the one the kept or pooled connection leads to. Compared
with HAProxy 2.6 on the same configuration (which answered), and
`bc_reused` (HAProxy 2.7+) says which requests took a kept connection."""
import socket

from conftest import HTTP_DEFAULTS, free_port

TRANSPARENT = """
listen %(mode)s
    bind 127.0.0.1:%%(%(mode)s)d
    http-reuse %(mode)s
    http-request set-dst hdr(dst)
    http-request set-dst-port hdr(dst-port)
    %%(after)s
    server transparent 0.0.0.0 %(opts)s
"""

CFG = HTTP_DEFAULTS + TRANSPARENT % {"mode": "never", "opts": ""} + \
    TRANSPARENT % {"mode": "always", "opts": "pool-max-conn 10"} + """
listen srv1
    bind 127.0.0.1:%(s1)d
    http-request return status 200 hdr srv-id s1 hdr conn %%[src_port]

listen srv2
    bind 127.0.0.1:%(s2)d
    http-request return status 200 hdr srv-id s2 hdr conn %%[src_port]
"""


def ports():
    return {k: free_port() for k in ("never", "always", "s1", "s2")}


def requests(port, dports):
    """Sends one request per destination port of <dports> on a single
    connection to <port>; returns the (srv-id, http_reuse) of each answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = s.makefile("rb")
    out = []
    for d in dports:
        s.sendall(b"GET / HTTP/1.1\r\nhost: x\r\ndst: 127.0.0.1\r\ndst-port: %d\r\n\r\n" % d)
        assert f.readline().startswith(b"HTTP/1.1 200")
        h = {}
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            k, v = line.decode().split(":", 1)
            h[k.strip().lower()] = v.strip()
        f.read(int(h.get("content-length", "0")))
        out.append((h.get("srv-id"), h.get("http_reuse"), h.get("conn")))
    s.close()
    return out


def run(start, after=""):
    p = ports()
    start(CFG % dict(p, after=after), port=p["s2"])
    s1, s2 = p["s1"], p["s2"]
    got = []
    for mode in ("never", "always"):
        for seq in ((s1, s1, s1), (s2, s1, s2), (s1, s1, s2)):
            got.append([sid for sid, _, _ in requests(p[mode], seq)])
    return got


def test_each_request_reaches_its_destination_as_haproxy(tollgate, haproxy):
    got = run(tollgate)
    want = run(haproxy)
    expect = [["s1", "s1", "s1"], ["s2", "s1", "s2"], ["s1", "s1", "s2"]] * 2
    assert got == want == expect


def test_bc_reused_only_for_the_same_destination(tollgate):
    p = ports()
    tollgate(CFG % dict(p, after="http-after-response set-header http_reuse %[bc_reused]"), port=p["s2"])
    s1, s2 = p["s1"], p["s2"]
    # the kept connection serves the same destination again...
    def ask(mode, seq):
        return ["%s/%s" % (sid, reused) for sid, reused, _ in requests(p[mode], seq)]
    assert ask("never", (s1, s1)) == ["s1/0", "s1/1"]
    # ...but not another one
    assert ask("never", (s2, s1, s2)) == ["s2/0", "s1/0", "s2/1"]


def conns(start, mode, glob=""):
    """The server connections (numbered in order of appearance) that the
    requests of three clients, one after the other, took."""
    p = ports()
    start(glob + CFG % dict(p, after=""), port=p["s2"])
    s1, s2 = p["s1"], p["s2"]
    seen, out = {}, []
    for seq in ((s1, s1, s1), (s2, s1, s2), (s1, s1, s2)):
        for sid, _, conn in requests(p[mode], seq):
            out.append("%s#%d" % (sid, seen.setdefault(conn, len(seen))))
    return out


def test_never_keeps_each_clients_connections_as_haproxy(tollgate, haproxy):
    """`http-reuse never`: a client keeps its connections to each place
    for its own later requests (the second client's third request takes
    its first connection back), and none goes to another client."""
    got = conns(tollgate, "never")
    want = conns(haproxy, "never")
    assert got == want == ["s1#0", "s1#0", "s1#0",
                           "s2#1", "s1#2", "s2#1",
                           "s1#3", "s1#3", "s2#4"]


def test_always_pools_no_more_than_the_need_as_haproxy(tollgate, haproxy):
    """`http-reuse always`: a connection goes back to the pool only where
    the pool holds none that served several requests, or the traffic
    showed a need for more (HAProxy's rule): the second client's first
    connection (to s2) is closed when the pool already holds the first
    client's, so its third request opens a new one. One thread: the pool
    is per thread."""
    glob = "global\n    nbthread 1\n"
    got = conns(tollgate, "always", glob)
    want = conns(haproxy, "always", glob)
    assert got == want == ["s1#0", "s1#0", "s1#0",
                           "s2#1", "s1#0", "s2#2",
                           "s1#0", "s1#0", "s2#3"]
