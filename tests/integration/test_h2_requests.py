"""What an HTTP/2 request may look like (src/mux/h2_fe_conv.c,
h2_req_check()): RFC 9113's rules as HAProxy applies them. A request
without :authority nor Host is forwarded (nghttp2 alone would reset it), a
malformed one is reset with PROTOCOL_ERROR; the connection opens its window
only once DATA comes, so a client reading SETTINGS then the ACK sees
nothing in between. Each answer is compared with HAProxy 2.6's on the same
configuration."""
import socket

import h2.config
import h2.connection
import h2.events
import pytest

from conftest import free_port


DEFAULTS = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
"""


def cfg(port, be_port, extra=""):
    return DEFAULTS + """
listen px
    bind 127.0.0.1:%d proto h2
%s
    server s1 127.0.0.1:%d
""" % (port, extra, be_port)


def h2_exchange(port, headers, body=None, end_stream=True):
    """Sends one request on stream 1 with the given header list (not
    validated by the client library); returns ("status", code, body) or
    ("reset", error code)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    c = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, validate_outbound_headers=False, normalize_outbound_headers=False,
        validate_inbound_headers=False))
    c.initiate_connection()
    c.send_headers(1, headers, end_stream=end_stream and body is None)
    if body is not None:
        c.send_data(1, body, end_stream=True)
    s.sendall(c.data_to_send())
    status, data = None, b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return ("closed",)
            for e in c.receive_data(d):
                if isinstance(e, h2.events.ResponseReceived):
                    status = int(dict(e.headers)[b":status"])
                elif isinstance(e, h2.events.DataReceived):
                    data += e.data
                    c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
                elif isinstance(e, h2.events.StreamEnded):
                    return ("status", status, data)
                elif isinstance(e, h2.events.StreamReset):
                    return ("reset", int(e.error_code))
            s.sendall(c.data_to_send())
    finally:
        s.close()


def both(tollgate, haproxy, be, send, extra=""):
    """Runs <send>(port) against Tollgate and HAProxy on the same
    configuration; returns {name: result}."""
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, be.port, extra), port=port)
        got[name] = send(port)
    return got


def test_no_authority_nor_host_forwarded_like_haproxy(tollgate, haproxy, http_backend):
    """As HAProxy: an origin-form request without :authority nor Host goes
    to the server, without a Host."""
    be = http_backend("A")
    hdrs = [(":method", "GET"), (":scheme", "https"), (":path", "/url1")]
    got = both(tollgate, haproxy, be, lambda port: (h2_exchange(port, hdrs), be.requests[-1].header("host")))
    assert got["tollgate"] == got["haproxy"] == (("status", 200, b"A GET /url1\n"), None), got


MALFORMED = {
    "connection-field": [("connection", "close")],
    "te-gzip": [("te", "gzip")],
    "upper-case-name": [("X-Upper", "1")],
    "bad-content-length": [("content-length", "12a")],
    "two-content-lengths": [("content-length", "1"), ("content-length", "2")],
    "duplicate-path": [(":path", "/again")],
    "unknown-pseudo": [(":foo", "1")],
    "value-with-lf": [("x-a", "a\nb")],
}


@pytest.mark.parametrize("bad", sorted(MALFORMED))
def test_malformed_request_reset_like_haproxy(tollgate, haproxy, http_backend, bad):
    """RFC 9113 8.1.1: a malformed request is a stream error
    PROTOCOL_ERROR (1), as with HAProxy; nothing reaches the server."""
    be = http_backend("A")
    extra = MALFORMED[bad]
    if extra[0][0].startswith(":"):
        hdrs = [(":method", "GET"), (":scheme", "http"), (":path", "/x")] + extra + [("x-b", "1")]
    else:
        hdrs = [(":method", "GET"), (":scheme", "http"), (":path", "/x"), (":authority", "a")] + extra
    got = both(tollgate, haproxy, be, lambda port: h2_exchange(port, hdrs))
    if bad == "value-with-lf":
        # HAProxy 3.x resets the stream; 2.6 closed the connection
        assert got["tollgate"] == ("reset", 1) and got["haproxy"] == ("closed",), got
    else:
        assert got["tollgate"] == got["haproxy"] == ("reset", 1), got
    assert be.count() == 0


@pytest.mark.parametrize("what", ["missing-scheme", "missing-path", "connect-with-path", "relative-path"])
def test_incomplete_request_reset_like_haproxy(tollgate, haproxy, http_backend, what):
    be = http_backend("A")
    hdrs = {
        "missing-scheme": [(":method", "GET"), (":path", "/x"), (":authority", "a")],
        "missing-path": [(":method", "GET"), (":scheme", "http"), (":authority", "a")],
        "connect-with-path": [(":method", "CONNECT"), (":path", "/x"), (":authority", "a:443")],
        "relative-path": [(":method", "GET"), (":scheme", "http"), (":path", "x"), (":authority", "a")],
    }[what]
    got = both(tollgate, haproxy, be, lambda port: h2_exchange(port, hdrs))
    assert got["tollgate"] == got["haproxy"] == ("reset", 1), got


@pytest.mark.parametrize("sent", [b"", b"0123", b"0123456789"])
def test_content_length_against_data_like_haproxy(tollgate, haproxy, http_backend, sent):
    """DATA that do not add up to content-length reset the stream; when
    they do, the request goes through."""
    be = http_backend("A")
    hdrs = [(":method", "POST"), (":scheme", "http"), (":path", "/p"), (":authority", "a"),
            ("content-length", "4")]
    got = both(tollgate, haproxy, be, lambda port: h2_exchange(port, hdrs, body=sent))
    want = ("status", 200, b"A POST /p\n") if sent == b"0123" else ("reset", 1)
    assert got["tollgate"] == got["haproxy"] == want, got


def read_frame(s):
    hd = b""
    while len(hd) < 9:
        d = s.recv(9 - len(hd))
        assert d, "closed"
        hd += d
    ln = int.from_bytes(hd[:3], "big")
    payload = b""
    while len(payload) < ln:
        payload += s.recv(ln - len(payload))
    return hd[3], hd[4], int.from_bytes(hd[5:9], "big") & 0x7fffffff


def test_settings_ack_follows_settings_like_haproxy(tollgate, haproxy, http_backend):
    """A client that sends its preface and SETTINGS, then reads: the
    proxy's SETTINGS, then the ACK of its own, nothing in between (the
    connection window opens at the first DATA frame, as HAProxy)."""
    be = http_backend("A")

    def frames(port):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        got = [read_frame(s)[:2] for _ in range(2)]
        s.close()
        return got

    got = both(tollgate, haproxy, be, frames)
    assert got["tollgate"] == got["haproxy"] == [(4, 0), (4, 1)], got


def upgrade_backend():
    """A raw HTTP/1.1 server that answers an Upgrade request 101 and then
    echoes what comes, upper-cased; returns (port, list of request heads)."""
    import threading
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    heads = []

    def serve(c):
        try:
            serve_one(c)
        except OSError:
            pass   # the proxy closed first

    def serve_one(c):
        with c:
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
            head, _, rest = buf.partition(b"\r\n\r\n")
            heads.append(head.decode())
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: custom_protocol\r\n\r\n")
            if rest:
                c.sendall(rest.upper())
            while True:
                d = c.recv(4096)
                if not d:
                    return
                c.sendall(d.upper())

    def accept():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return srv, heads


def ext_connect(port, protocol="custom_protocol"):
    """An RFC 8441 extended CONNECT on stream 1, then "hello" through the
    tunnel; returns (frame types received on stream 1 until the response
    head, :status or the reset code, the bytes the tunnel brought back)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    c = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, validate_outbound_headers=False, normalize_outbound_headers=False,
        validate_inbound_headers=False))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    c.send_headers(1, [(":method", "CONNECT"), (":scheme", "http"), (":path", "/"), (":authority", "127.0.0.1"),
                       (":protocol", protocol)])
    s.sendall(c.data_to_send())
    kinds, status, back = [], None, b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return kinds, status, back
            for e in c.receive_data(d):
                if getattr(e, "stream_id", 0) != 1:
                    continue
                if isinstance(e, h2.events.WindowUpdated):
                    kinds.append("WINDOW_UPDATE")
                elif isinstance(e, h2.events.ResponseReceived):
                    kinds.append("HEADERS")
                    status = int(dict(e.headers)[b":status"])
                    if status == 200:
                        c.send_data(1, b"hello")
                elif isinstance(e, h2.events.DataReceived):
                    back += e.data
                    c.acknowledge_received_data(e.flow_controlled_length, 1)
                    if back == b"HELLO":
                        return kinds, status, back
                elif isinstance(e, h2.events.StreamReset):
                    return kinds, int(e.error_code), back
            s.sendall(c.data_to_send())
    finally:
        s.close()


def test_extended_connect_to_http11_upgrade_like_haproxy(tollgate, haproxy):
    """RFC 8441: an extended CONNECT reaches an HTTP/1.1 server as a GET
    with Upgrade; its 101 answers the client 200 and the stream is a
    tunnel both ways, as with HAProxy."""
    srv, heads = upgrade_backend()
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, srv.getsockname()[1]), port=port)
        kinds, status, back = ext_connect(port)
        got[name] = (status, back)
        req = heads[-1].lower().split("\r\n")
        assert req[0] == "get / http/1.1", (name, req)
        assert "connection: upgrade" in req and "upgrade: custom_protocol" in req, (name, req)
        if name == "tollgate":
            # as HAProxy 3.x: the stream's window opens before the answer
            assert kinds == ["WINDOW_UPDATE", "HEADERS"], kinds
    srv.close()
    assert got["tollgate"] == got["haproxy"] == (200, b"HELLO"), got


@pytest.mark.parametrize("protocol", ["h2c", "h2"])
def test_extended_connect_h2c_refused_like_haproxy(tollgate, haproxy, protocol):
    """An extended CONNECT to "h2c" or "h2" is malformed for HAProxy 3.x
    (protocol_upgrade.vtc): PROTOCOL_ERROR, nothing reaches the server.
    HAProxy 2.6 forwarded it."""
    srv, heads = upgrade_backend()
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, srv.getsockname()[1]), port=port)
        got[name] = (ext_connect(port, protocol)[1], len(heads))
    srv.close()
    assert got == {"tollgate": (1, 0), "haproxy": (200, 1)}, got


def chain_cfg(port, mid_port, be_port):
    """An HTTP/1.1 frontend whose server is an HTTP/2 frontend (`proto h2`)
    of the same proxy, whose server is <be_port> (HTTP/1.1)."""
    return DEFAULTS + """
listen h1fe
    bind 127.0.0.1:%d
    server h2 127.0.0.1:%d proto h2
listen h2fe
    bind 127.0.0.1:%d proto h2
    server s1 127.0.0.1:%d
""" % (port, mid_port, mid_port, be_port)


def h1_upgrade(port, body=None, send_body=True):
    """An HTTP/1.1 Upgrade request, then "hello" through the tunnel if it
    is accepted; returns (status, upgrade field, what came back)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    head = "GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: upgrade\r\nupgrade: custom_protocol\r\n"
    if body is not None:
        head = head.replace("GET", "POST") + "content-length: %d\r\n" % len(body)
    s.sendall(head.encode() + b"\r\n" + (body or b"" if send_body else b""))
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                return (0, None, buf)
            buf += d
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = dict(l.lower().split(": ", 1) for l in lines[1:])
        if status != 101:
            return (status, None, b"")
        s.sendall(b"hello")
        while len(rest) < 5:
            d = s.recv(4096)
            if not d:
                break
            rest += d
        return (status, hdrs.get("upgrade"), rest)
    finally:
        s.close()


def test_upgrade_to_http2_server_extended_connect_like_haproxy(tollgate, haproxy):
    """An HTTP/1.1 Upgrade to a `proto h2` server that announces
    SETTINGS_ENABLE_CONNECT_PROTOCOL goes as an extended CONNECT; its 200
    answers the client 101 and the tunnel carries bytes both ways (through
    the proxy's own HTTP/2 frontend here, as protocol_upgrade.vtc)."""
    srv, heads = upgrade_backend()
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, mid = free_port(), free_port()
        starter(chain_cfg(port, mid, srv.getsockname()[1]), port=port)
        got[name] = h1_upgrade(port)
        req = heads[-1].lower().split("\r\n")
        assert req[0] == "get / http/1.1" and "upgrade: custom_protocol" in req, (name, req)
    srv.close()
    assert got["tollgate"] == got["haproxy"] == (101, "custom_protocol", b"HELLO"), got


@pytest.mark.parametrize("post", [False, True])
def test_upgrade_refused_by_http2_server_like_haproxy(tollgate, haproxy, post):
    """A `proto h2` server that does not announce extended CONNECT (or a
    request with a body, which an extended CONNECT cannot carry): 502,
    and no request reaches the server."""
    from h2server import H2Server
    s = H2Server()
    got = {}
    try:
        for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
            port = free_port()
            starter(cfg(port, s.port).replace("bind 127.0.0.1:%d proto h2" % port, "bind 127.0.0.1:%d" % port)
                    .replace("server s1 127.0.0.1:%d" % s.port, "server s1 127.0.0.1:%d proto h2" % s.port),
                    port=port)
            got[name] = h1_upgrade(port, body=b"x" * 10 if post else None)[0]
    finally:
        s.stop()
    if post:
        # HAProxy 3.x refuses an upgrade with a body (protocol_upgrade.vtc);
        # 2.6 sent it as a plain POST, without the upgrade
        assert got == {"tollgate": 502, "haproxy": 200}, got
    else:
        assert got["tollgate"] == got["haproxy"] == 502, got


def test_101_before_request_body_is_502_like_haproxy(tollgate, haproxy):
    """As HAProxy: a server that switches protocols before the request
    body is all there answers 502 (no tunnel on half a request)."""
    srv, heads = upgrade_backend()
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, srv.getsockname()[1]).replace(" proto h2", ""), port=port)
        got[name] = h1_upgrade(port, body=b"x" * 50, send_body=False)[0]
    srv.close()
    assert got["tollgate"] == got["haproxy"] == 502, got


@pytest.mark.parametrize("version", [1, 2])
def test_accept_proxy_with_proto_h2_like_haproxy(tollgate, haproxy, http_backend, version):
    """`bind ... accept-proxy proto h2`: the PROXY header (v1 or v2), then
    the HTTP/2 preface; the streams see the addresses it carries, as with
    HAProxy."""
    import struct
    be = http_backend("A")
    if version == 1:
        pp = b"PROXY TCP4 192.0.2.7 198.51.100.9 4321 8443\r\n"
    else:
        addrs = socket.inet_aton("192.0.2.7") + socket.inet_aton("198.51.100.9") + struct.pack("!HH", 4321, 8443)
        pp = b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11" + struct.pack("!H", len(addrs)) + addrs
    extra = '    http-request set-header x-src "%[src]:%[src_port] %[dst]:%[dst_port]"'
    got = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(cfg(port, be.port, extra).replace("proto h2", "accept-proxy proto h2"), port=port)
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        c.initiate_connection()
        c.send_headers(1, [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/pp")],
                       end_stream=True)
        s.sendall(pp + c.data_to_send())
        status, body = None, b""
        done = False
        while not done:
            d = s.recv(65536)
            assert d, name
            for e in c.receive_data(d):
                if isinstance(e, h2.events.ResponseReceived):
                    status = int(dict(e.headers)[b":status"])
                elif isinstance(e, h2.events.DataReceived):
                    body += e.data
                elif isinstance(e, h2.events.StreamEnded):
                    done = True
            s.sendall(c.data_to_send())
        s.close()
        got[name] = (status, body, be.requests[-1].header("x-src"))
    assert got["tollgate"] == got["haproxy"] == (200, b"A GET /pp\n", "192.0.2.7:4321 198.51.100.9:8443"), got
