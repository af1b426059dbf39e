"""tcp-request content inspection: the rules wait for the request's first
bytes (tcp-request inspect-delay) and route on them: TLS ClientHello SNI
and ALPN (TLS passthrough), payload blocks, request length, WAIT_END."""
import socket
import ssl
import time

from conftest import admin_cli, admin_ready, exchange, free_port, run_check, wait_until


def client_hello(sni=None, alpn=None):
    """The bytes of a real ClientHello, as Python's TLS stack sends it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def routed_to(port, payload, timeout=5.0):
    """Sends <payload> (bytes, or a list of bytes sent one after the other),
    returns the tag of the backend that answered (b"A", b"B"...), or b""
    if the proxy closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        for part in [payload] if isinstance(payload, bytes) else payload:
            s.sendall(part)
        got = b""
        while b":" not in got:
            d = s.recv(4096)
            if not d:
                break
            got += d
        return got.split(b":")[0]


DEFAULTS = """
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""

SNI_CFG = """
global
    nbthread 2
    stats socket %(sock)s level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend tls
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 5s
    tcp-request content reject if { req.ssl_ver lt 3.1 }
    tcp-request content accept if { req.ssl_hello_type 1 }
    acl is_a req.ssl_sni -i a.example.com
    use_backend a if is_a
    use_backend b if { req_ssl_sni -m end .b.example.com }
    use_backend h2 if { req.ssl_alpn h2 }
    default_backend other
backend a
    server a 127.0.0.1:%(a)d
backend b
    server b 127.0.0.1:%(b)d
backend h2
    server h 127.0.0.1:%(h)d
backend other
    server o 127.0.0.1:%(o)d
"""


def sni_proxy(tollgate, backend, tmp_path):
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    a, b, h, o = backend("A"), backend("B"), backend("H2"), backend("O")
    tollgate(SNI_CFG % dict(port=port, sock=sock, a=a.port, b=b.port, h=h.port, o=o.port), port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    return port, sock


def test_sni_routing(tollgate, backend, tmp_path):
    port, _ = sni_proxy(tollgate, backend, tmp_path)
    assert routed_to(port, client_hello("a.example.com")) == b"A"
    assert routed_to(port, client_hello("A.Example.COM")) == b"A"
    assert routed_to(port, client_hello("www.b.example.com")) == b"B"
    assert routed_to(port, client_hello("c.example.com")) == b"O"
    assert routed_to(port, client_hello(None)) == b"O"
    # ALPN is multi-valued: h2 matches as the second protocol offered
    assert routed_to(port, client_hello("x.example.org", ["http/1.1", "h2"])) == b"H2"


def test_hello_split_across_segments_waits_for_the_rest(tollgate, backend, tmp_path):
    """The rules wait: the first bytes alone decide nothing."""
    port, sock = sni_proxy(tollgate, backend, tmp_path)
    hello = client_hello("a.example.com")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(hello[:20])
        # the proxy holds the connection, still inspecting
        wait_until(lambda: "fe=tls" in admin_cli(sock, "show sess"), what="the stream in show sess")
        s.sendall(hello[20:])
        assert s.recv(2) == b"A:"


def test_not_tls_goes_to_the_default_backend_at_once(tollgate, backend, tmp_path):
    """Bytes that cannot be a ClientHello end the wait: no inspect-delay."""
    port, _ = sni_proxy(tollgate, backend, tmp_path)
    t0 = time.monotonic()
    assert exchange(port, b"GET / HTTP/1.1\r\n\r\n") == b"O:GET / HTTP/1.1\r\n\r\n"
    assert time.monotonic() - t0 < 4


def test_payload_and_len_rules(tollgate, backend):
    a, b = backend("A"), backend("B")
    port = free_port()
    tollgate(DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 5s
    tcp-request content reject if { req.payload(0,4) -m bin 44524f50 }
    tcp-request content accept if { req.len ge 8 }
    tcp-request content reject
    use_backend b if { req.payload(0,3) 474554 }
    use_backend b if { req.payload_lv(3,1) -m str hi }
    default_backend a
backend a
    server a 127.0.0.1:%d
backend b
    server b 127.0.0.1:%d
""" % (port, a.port, b.port), port=port)
    # 8 bytes or more: accepted; routed on the first bytes
    assert exchange(port, b"GET /abcd") == b"B:GET /abcd"
    assert exchange(port, b"PUT /abcd") == b"A:PUT /abcd"
    # a length-value block: length 2 at offset 3, then "hi"
    assert exchange(port, b"XYZ\x02hi...") == b"B:XYZ\x02hi..."
    # fewer than 8 bytes, then the client shuts: final, rejected
    assert exchange(port, b"GET") == b""
    # rejected on the payload as soon as the 4 bytes are there
    assert exchange(port, b"DROP everything") == b""


def test_wait_end_delays_the_verdict(tollgate, backend):
    a = backend("A")
    port = free_port()
    tollgate(DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    tcp-request inspect-delay 600ms
    tcp-request content accept if WAIT_END
    default_backend a
backend a
    server a 127.0.0.1:%d
""" % (port, a.port), port=port)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        t0 = time.monotonic()
        s.sendall(b"x")
        assert s.recv(2) == b"A:"
        assert time.monotonic() - t0 >= 0.55


def test_payload_fetch_errors_name_the_line(tmp_path):
    rc, out, path = run_check("""
defaults
    mode tcp
frontend fe
    bind 127.0.0.1:18404
    tcp-request inspect-delay 1s
    tcp-request content track-sc0 req.payload_lv(0,8)
    default_backend be
backend be
    server s 127.0.0.1:1
""", tmp_path)
    assert rc != 0
    assert "%s:7" % path in out and "1 to 4 bytes" in out, out
    rc, out, path = run_check("""
defaults
    mode tcp
frontend fe
    bind 127.0.0.1:18404
    tcp-request connection track-sc0 req.len
    default_backend be
backend be
    server s 127.0.0.1:1
""", tmp_path)
    assert rc != 0
    assert "%s:6" % path in out and "tcp-request connection" in out, out


def test_dynamic_backend_from_sni(tollgate, backend):
    a, b, o = backend("A"), backend("B"), backend("O")
    port = free_port()
    tollgate(DEFAULTS + """
frontend tls
    bind 127.0.0.1:%d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend sni_%%[req.ssl_sni,lower,word(1,.)]
    default_backend other
backend sni_a
    server a 127.0.0.1:%d
backend sni_b
    server b 127.0.0.1:%d
backend other
    server o 127.0.0.1:%d
""" % (port, a.port, b.port, o.port), port=port)
    assert routed_to(port, client_hello("a.example.com")) == b"A"
    assert routed_to(port, client_hello("B.example.com")) == b"B"
    assert routed_to(port, client_hello("c.example.com")) == b"O"
    assert routed_to(port, client_hello(None)) == b"O"


def test_dynamic_backend_errors_name_the_line(tmp_path):
    rc, out, path = run_check(DEFAULTS + """
frontend fe
    bind 127.0.0.1:18404
    use_backend be_%[req.nosuchfetch]
    default_backend be
backend be
    server s 127.0.0.1:1
""", tmp_path)
    assert rc != 0
    assert "%s:10" % path in out and "use_backend" in out and "nosuchfetch" in out, out
