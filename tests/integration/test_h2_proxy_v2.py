"""PROXY protocol v2 to servers (`send-proxy-v2`, `proxy-v2-options`,
`set-proxy-v2-tlv-fmt`) for requests of HTTP/2 clients: each server
connection opened for an HTTP/2 stream carries the header an HTTP/1.1
request of the same client would, TLVs included (the client's own PROXY
header's authority, the request's unique id, custom TLVs), as HAProxy's.
"""
import socket
import struct

import h2.config
import h2.connection
import h2.events

from conftest import HTTP_DEFAULTS, free_port, wait_port, wait_until
from tcpserver import TcpServer
from test_proxy_protocol import tlv, v2


def pp_server():
    """A server that reads the PROXY v2 header of each connection (kept in
    its .headers), then answers every HTTP/1.1 request 200 "ok"."""
    headers = []

    def recvn(c, n):
        b = b""
        while len(b) < n:
            d = c.recv(n - len(b))
            if not d:
                raise EOFError
            b += d
        return b

    def handle(c):
        try:
            h = recvn(c, 16)
            headers.append(h + recvn(c, struct.unpack(">H", h[14:16])[0]))
        except EOFError:
            return
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            buf = buf.split(b"\r\n\r\n", 1)[1]
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    srv = TcpServer(handle)
    srv.headers = headers
    return srv


CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d accept-proxy proto h2
    bind 127.0.0.1:%(port1)d accept-proxy
    unique-id-format uid-%%[req.hdr(x-id)]
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d %(opts)s
"""

CLIENT_PP = v2(tlvs=tlv(2, b"example.com"))


def h2_gets(port, ids):
    """One HTTP/2 connection after CLIENT_PP, a GET per x-id of <ids> in
    turn; returns the statuses."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(CLIENT_PP)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    got = []
    for i, xid in enumerate(ids):
        sid = 1 + 2 * i
        c.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/"),
                             ("x-id", xid)], end_stream=True)
        s.sendall(c.data_to_send())
        done = False
        while not done:
            d = s.recv(65536)
            assert d
            for e in c.receive_data(d):
                if isinstance(e, h2.events.ResponseReceived):
                    got.append(dict(e.headers)[b":status"])
                done |= isinstance(e, h2.events.StreamEnded) and e.stream_id == sid
            s.sendall(c.data_to_send())
    s.close()
    return got


def h1_get(port, xid):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(CLIENT_PP + b"GET / HTTP/1.1\r\nhost: x\r\nx-id: " + xid.encode() + b"\r\nconnection: close\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                return data
            data += d


def headers_for(starter, srv, opts):
    """The PROXY headers the server gets for two HTTP/2 streams of one
    connection (x-id a1, b2), then for the same two as HTTP/1.1 requests."""
    port, port1 = free_port(), free_port()
    starter(CFG % dict(port=port, port1=port1, srv=srv.port, opts=opts), port=port1)
    wait_port(port)
    del srv.headers[:]
    assert h2_gets(port, ["a1", "b2"]) == [b"200", b"200"]
    wait_until(lambda: len(srv.headers) == 2, 5, "two server connections")
    h2 = sorted(srv.headers)
    del srv.headers[:]
    for xid in ("a1", "b2"):
        assert h1_get(port1, xid).startswith(b"HTTP/1.1 200")
    wait_until(lambda: len(srv.headers) == 2, 5, "two server connections")
    return h2, sorted(srv.headers)


def test_proxy_v2_options_for_h2_streams_like_haproxy(tollgate, haproxy):
    srv = pp_server()
    try:
        out = {}
        for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
            out[name] = headers_for(starter, srv, "send-proxy-v2 proxy-v2-options crc32c,unique-id,authority")
        h2, h1 = out["tollgate"]
        assert h2 == h1, out
        assert all(tlv(2, b"example.com") in h for h in h2), h2
        assert [tlv(5, b"uid-a1") in h2[0] or tlv(5, b"uid-a1") in h2[1],
                tlv(5, b"uid-b2") in h2[0] or tlv(5, b"uid-b2") in h2[1]] == [True, True], h2
        assert out["tollgate"] == out["haproxy"], out
    finally:
        srv.stop()


def test_set_proxy_v2_tlv_fmt_for_h2_streams(tollgate):
    """set-proxy-v2-tlv-fmt (HAProxy 2.9+, not in 2.6): the formats are
    evaluated for each HTTP/2 stream as for an HTTP/1.1 request, the
    client's PROXY TLVs (fc_pp_authority) included."""
    srv = pp_server()
    try:
        h2, h1 = headers_for(tollgate, srv, "send-proxy-v2 set-proxy-v2-tlv-fmt(0xE1) %[fc_pp_authority] "
                                            "set-proxy-v2-tlv-fmt(0xE2) %[req.hdr(x-id)]")
        assert h2 == h1
        assert sorted(h[28:] for h in h2) == [tlv(0xE1, b"example.com") + tlv(0xE2, b"a1"),
                                              tlv(0xE1, b"example.com") + tlv(0xE2, b"b2")], h2
    finally:
        srv.stop()
