"""RDP cookies in a Remote Desktop client's first bytes: req.rdp_cookie,
rdp_cookie, req.rdp_cookie_cnt and the RDP_COOKIE ACL in tcp-request
content rules, `balance rdp-cookie` and `persist rdp-cookie`. Each
compared with HAProxy 2.6 on the same configuration."""
import socket
import struct

from conftest import free_port

TCP_DEFAULTS = """
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 2s
"""


def rdp(cookie, extra=b"\x01\x00\x08\x00\x03\x00\x00\x00"):
    """An X.224 Connection Request carrying <cookie> (bytes) as TPKT."""
    ud = (b"Cookie: " + cookie + b"\r\n" if cookie is not None else b"") + extra
    x224 = bytes([6 + len(ud), 0xE0, 0, 0, 0, 0, 0]) + ud
    return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224


def first_bytes(port, chunks):
    """Sends <chunks> in turn, returns the server's tag (what comes before
    ':')."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for c in chunks:
            s.sendall(c)
        buf = b""
        while b":" not in buf:
            d = s.recv(4096)
            if not d:
                break
            buf += d
        return buf.split(b":")[0].decode()


FETCH_CFG = TCP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 1s
    tcp-request content accept if RDP_COOKIE
    use_backend ba if { req.rdp_cookie(MSTSHASH) -m str alice }
    use_backend bb if { req.rdp_cookie_cnt(msts) gt 0 }
    use_backend bc if { rdp_cookie -m str bob }
    use_backend bd if { rdp_cookie_cnt eq 0 }
    default_backend bz

backend ba
    server s 127.0.0.1:%(a)d
backend bb
    server s 127.0.0.1:%(b)d
backend bc
    server s 127.0.0.1:%(c)d
backend bd
    server s 127.0.0.1:%(d)d
backend bz
    server s 127.0.0.1:%(z)d
"""

CASES = [
    [rdp(b"mstshash=alice")],
    [rdp(b"mstshash=alice")[:15], rdp(b"mstshash=alice")[15:]],   # split: waits
    [rdp(b"msts=123.456.0000")],
    [rdp(b"user=bob")],
    [rdp(None)],                                                # no cookie
    [b"GET / HTTP/1.0\r\n\r\n"],                                 # not RDP
    [rdp(b"mstshash=alice", extra=b"")[:-1] + b"X"],            # no CR LF
]


def run_fetches(start, backend):
    bs = {k: backend(k.upper()) for k in "abcdz"}
    port = free_port()
    start(FETCH_CFG % dict(port=port, **{k: b.port for k, b in bs.items()}), port=port)
    return [first_bytes(port, c) for c in CASES]


def test_rdp_cookie_fetches_match_haproxy(tollgate, haproxy, backend):
    got = run_fetches(tollgate, backend)
    want = run_fetches(haproxy, backend)
    assert got == want
    assert got == ["A", "A", "B", "C", "D", "Z", "D"]   # too few bytes: no count either


LB_CFG = TCP_DEFAULTS + """
listen li
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 3s
    tcp-request content accept if RDP_COOKIE
    %(persist)s
    balance rdp-cookie
    server s1 127.0.0.1:%(p1)d
    server s2 127.0.0.1:%(p2)d
    server s3 127.0.0.1:%(p3)d
"""

USERS = [b"alice", b"bob", b"carol", b"dave", b"erin", b"frank", b"grace", b"heidi"]


def msts(port):
    """The `persist rdp-cookie` value naming 127.0.0.1:<port>: the
    address and the port as the integers their network-order bytes make
    on this (little-endian) host."""
    addr = struct.unpack("<I", socket.inet_aton("127.0.0.1"))[0]
    p = struct.unpack("<H", struct.pack(">H", port))[0]
    return b"msts=%d.%d.0000" % (addr, p)


def run_lb(start, backend, persist=""):
    bs = [backend("S%d" % i) for i in (1, 2, 3)]
    port = free_port()
    start(LB_CFG % dict(port=port, persist=persist, p1=bs[0].port, p2=bs[1].port, p3=bs[2].port),
          port=port)
    picks = [first_bytes(port, [rdp(b"mstshash=" + u)]) for u in USERS for _ in range(2)]
    if persist:
        picks += [first_bytes(port, [rdp(msts(bs[i].port))]) for i in (2, 1, 2)]
    return picks


def test_balance_rdp_cookie_matches_haproxy(tollgate, haproxy, backend):
    got = run_lb(tollgate, backend)
    want = run_lb(haproxy, backend)
    assert got == want
    assert all(got[i] == got[i + 1] for i in range(0, len(got), 2))   # sticky per user
    assert len(set(got)) > 1


def test_persist_rdp_cookie_matches_haproxy(tollgate, haproxy, backend):
    got = run_lb(tollgate, backend, "persist rdp-cookie")
    want = run_lb(haproxy, backend, "persist rdp-cookie")
    assert got == want
    assert got[-3:] == ["S3", "S2", "S3"]
