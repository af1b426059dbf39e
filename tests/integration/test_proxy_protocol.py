"""PROXY protocol on accept (`bind ... accept-proxy`), v1 and v2 with TLVs,
run side by side through tollgate and HAProxy 2.6: the announced addresses
become src/dst, the TLVs feed fc_pp_authority and fc_pp_unique_id, bytes
after the header are the client's own, and an invalid header closes the
connection without a response."""
import re
import socket
import struct

import pytest

from conftest import HTTP_DEFAULTS, free_port, wait_until

SIG2 = b"\r\n\r\n\x00\r\nQUIT\n"


def v2(cmd=0x21, fam=0x11, addrs=None, tlvs=b"", length=None):
    """A PROXY v2 header; <addrs> defaults to 10.1.2.3:4242 -> 10.9.8.7:80."""
    if addrs is None:
        addrs = socket.inet_aton("10.1.2.3") + socket.inet_aton("10.9.8.7") + struct.pack(">HH", 4242, 80)
    body = addrs + tlvs
    return SIG2 + bytes([cmd, fam]) + struct.pack(">H", len(body) if length is None else length) + body


def tlv(t, value):
    return bytes([t]) + struct.pack(">H", len(value)) + value


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def with_crc(header_without_crc_tlv):
    """Appends a valid CRC32C TLV to a v2 header (fixing its length)."""
    h = bytearray(header_without_crc_tlv + tlv(3, b"\0\0\0\0"))
    struct.pack_into(">H", h, 14, len(h) - 16)
    struct.pack_into(">I", h, len(h) - 4, crc32c(bytes(h)))
    return bytes(h)


CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d accept-proxy
    http-request set-header x-src "%%[src]:%%[src_port]"
    http-request set-header x-dst "%%[dst]:%%[dst_port]"
    http-request set-header x-auth "%%[fc_pp_authority]"
    http-request set-header x-uid "%%[fc_pp_unique_id,hex]"
    default_backend be

backend be
    server s1 127.0.0.1:%(bport)d
"""


def ask(port, chunks):
    """Sends <chunks> one by one (then a GET); returns the response bytes
    until the proxy closes, or b"" when it closes without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for c in chunks:
            s.sendall(c)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        except OSError:
            return b""
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except ConnectionResetError:
                return out
            if not d:
                return out
            out += d


def echo_headers(req):
    body = "".join("%s=%s\n" % (h, req.header(h)) for h in ("x-src", "x-dst", "x-auth", "x-uid"))
    return 200, [("Content-Type", "text/plain")], body.encode()


CASES = {
    "v1_tcp4": [b"PROXY TCP4 192.0.2.1 198.51.100.2 5555 443\r\n"],
    "v1_tcp6": [b"PROXY TCP6 2001:db8::1 2001:db8::2 5555 443\r\n"],
    "v1_unknown": [b"PROXY UNKNOWN\r\n"],
    "v2_tcp4": [v2()],
    "v2_tcp6": [v2(fam=0x21, addrs=socket.inet_pton(socket.AF_INET6, "2001:db8::7") +
                   socket.inet_pton(socket.AF_INET6, "2001:db8::8") + struct.pack(">HH", 1, 2))],
    "v2_tlvs": [v2(tlvs=tlv(2, b"example.com") + tlv(5, b"\x01\x02id") + tlv(0xE1, b"x"))],
    "v2_crc_ok": [with_crc(v2(tlvs=tlv(2, b"crc.example")))],
    "v2_local": [v2(cmd=0x20)],
    "v2_local_tlv": [v2(cmd=0x20, addrs=b"", tlvs=tlv(2, b"local.example"))],
    # invalid: closed without a response
    "bad_sig": [b"GET / HTTP/1.0\r\n\r\n"],
    "v1_v6_in_tcp4": [b"PROXY TCP4 2001:db8::1 198.51.100.2 5555 443\r\n"],
    "v1_no_cr": [b"PROXY TCP4 192.0.2.1 198.51.100.2 5555 443\n"],
    "v2_bad_version": [SIG2 + b"\x11\x11\x00\x0c" + b"\0" * 12],
    "v2_bad_cmd": [SIG2 + b"\x22\x11\x00\x0c" + b"\0" * 12],
    "v2_short_addr": [v2(addrs=b"\0" * 8)],
    "v2_tlv_overflow": [v2(tlvs=b"\x02\x00\x0a12345")],
    "v2_tlv_truncated": [v2(tlvs=b"\x02\x00")],
    "v2_authority_too_long": [v2(tlvs=tlv(2, b"a" * 256))],
    "v2_uid_too_long": [v2(tlvs=tlv(5, b"u" * 129))],
    "v2_crc_bad": [v2(tlvs=tlv(3, b"\0\0\0\1"))],
}


def run_all(start, port, bport):
    start(CFG % {"port": port, "bport": bport}, port=None)
    wait_until(lambda: _listening(port), what="port %d" % port)
    out = {}
    for name, chunks in CASES.items():
        resp = ask(port, chunks)
        body = resp.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in resp else resp
        # the real addresses (v1 UNKNOWN, v2 LOCAL) differ by their ports
        out[name] = re.sub(rb"127\.0\.0\.1:\d+", b"127.0.0.1:P", body)
    return out


def _listening(port):
    """True once something listens on <port>: read from /proc/net/tcp, since
    a bare connection would be an invalid PROXY header, and binding to probe
    would race with the proxy's own bind."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                return True
    return False


def test_accept_proxy_matches_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A", echo_headers)
    got = run_all(tollgate, free_port(), b.port)
    want = run_all(haproxy, free_port(), b.port)
    assert got == want
    # and what they agree on is what the headers say
    assert b"x-src=192.0.2.1:5555\nx-dst=198.51.100.2:443\n" in got["v1_tcp4"]
    assert b"x-src=2001:db8::1:5555\n" in got["v1_tcp6"]
    assert b"x-src=127.0.0.1:" in got["v1_unknown"] and b"x-src=127.0.0.1:" in got["v2_local"]
    assert b"x-auth=\n" in got["v2_local_tlv"]   # LOCAL: skipped whole
    assert b"x-auth=example.com\nx-uid=01026964\n" in got["v2_tlvs"]
    assert b"x-auth=crc.example\n" in got["v2_crc_ok"]
    for name in CASES:
        if name.startswith(("bad", "v1_bad", "v1_v6", "v1_no", "v2_bad", "v2_short", "v2_tlv_", "v2_auth",
                            "v2_uid", "v2_crc_bad")):
            assert got[name] == b"", name


def test_accept_proxy_strict_v1(tollgate, http_backend):
    """Where HAProxy 2.6 is lenient, tollgate follows the specification:
    an IPv4 address with an octet past 255 or a port past 65535 is refused
    (HAProxy reads them modulo 256/65536); text after UNKNOWN is ignored
    (HAProxy wants UNKNOWN right before the CRLF)."""
    b = http_backend("A", echo_headers)
    port = free_port()
    tollgate(CFG % {"port": port, "bport": b.port})
    wait_until(lambda: _listening(port), what="port")
    assert ask(port, [b"PROXY TCP4 192.0.2.999 198.51.100.2 5555 443\r\n"]) == b""
    assert ask(port, [b"PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n"]) == b""
    assert ask(port, [b"PROXY TCP4 192.0.2.1 198.51.100.2 +1 443\r\n"]) == b""
    assert b"x-src=127.0.0.1:" in ask(port, [b"PROXY UNKNOWN whatever\r\n"])


def test_accept_proxy_split_header(tollgate, http_backend):
    """A header arriving in several segments is awaited. HAProxy refuses
    one whose first segment is incomplete (it peeks once); tollgate waits
    for the rest, within timeout client."""
    b = http_backend("A", echo_headers)
    port = free_port()
    tollgate(CFG % {"port": port, "bport": b.port})
    wait_until(lambda: _listening(port), what="port")
    h2 = v2(tlvs=tlv(2, b"ab"))
    for chunks, want in (
        ([b"PRO", b"XY TCP4 192.0.2.1 198.51.", b"100.2 5555 443\r", b"\n"], b"x-src=192.0.2.1:5555\n"),
        ([h2[:5], h2[5:14], h2[14:]], b"x-src=10.1.2.3:4242\nx-dst=10.9.8.7:80\nx-auth=ab\n"),
    ):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for c in chunks:
                s.sendall(c)
                wait_until(lambda: True)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            out = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                out += d
        assert want in out, out


def test_accept_proxy_tcp_relays_announced_addresses(tollgate, backend):
    """mode tcp: the payload after the header reaches the server intact, and
    send-proxy passes on the announced addresses, not the real ones."""
    line = b"PROXY TCP4 192.0.2.1 198.51.100.2 5555 443\r\n"
    assert relayed_header(tollgate, backend, "send-proxy", line) == line


@pytest.mark.parametrize("opt", ["fc_pp_tlv(0xE1)", "fc_pp_tlv(AUTHORITY)"])
def test_fc_pp_tlv_parses(tmp_path, opt):
    from conftest import run_check
    rc, out, _ = run_check(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:8080 accept-proxy
    http-request set-header x %%[%s]
    http-request return status 200
""" % opt, tmp_path)
    assert rc == 0, out


def test_fc_pp_tlv_bad_type(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:8080 accept-proxy
    http-request set-header x %[fc_pp_tlv(0x100)]
    http-request return status 200
""", tmp_path)
    assert rc != 0 and "t.cfg:10" in out and "TLV type" in out, out


RULES_CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d accept-proxy
    tcp-request connection reject if { src 192.0.2.1 }
    http-request deny if { src 192.0.2.2 }
    http-request return status 200
"""


def test_accept_proxy_rules_see_the_right_addresses(tollgate, haproxy):
    """tcp-request connection rules run before the header (real address),
    HTTP rules after (announced address): as in HAProxy."""
    results = []
    for start in (tollgate, haproxy):
        port = free_port()
        start(RULES_CFG % {"port": port})
        wait_until(lambda: _listening(port), what="port")
        got = [ask(port, [b"PROXY TCP4 %s 198.51.100.2 5555 443\r\n" % ip]).split(b"\r\n", 1)[0]
               for ip in (b"192.0.2.1", b"192.0.2.2")]
        results.append(got)
    assert results[0] == results[1] == [b"HTTP/1.1 200 OK", b"HTTP/1.1 403 Forbidden"]


SEND_CFG = """
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 2s
listen li
    bind 127.0.0.1:%(port)d accept-proxy
    server s1 127.0.0.1:%(bport)d %(opts)s
"""


def relayed_header(start, backend, opts, client_header):
    """What the server receives first from the proxy, the client having sent
    <client_header> then b"payload"."""
    seen = []

    def record(c):
        data = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            data += d
        seen.append(data)
        c.close()

    b = backend("A", record)
    port = free_port()
    start(SEND_CFG % {"port": port, "bport": b.port, "opts": opts})
    wait_until(lambda: _listening(port), what="port")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(client_header + b"payload")
        s.shutdown(socket.SHUT_WR)
        s.recv(100)
    wait_until(lambda: seen, what="the server's data")
    assert seen[0].endswith(b"payload")
    return seen[0][:-len(b"payload")]


def test_send_proxy_v2_options_match_haproxy(tollgate, haproxy, backend):
    """proxy-v2-options authority,crc32c: the same bytes from both;
    no-send-proxy, no-send-proxy-v2 undo send-proxy*."""
    client = v2(tlvs=tlv(2, b"example.com"))
    for opts in ("send-proxy-v2", "send-proxy-v2 proxy-v2-options authority,crc32c",
                 "send-proxy-v2 proxy-v2-options crc32c", "send-proxy",
                 "send-proxy no-send-proxy", "send-proxy-v2 no-send-proxy-v2"):
        got = relayed_header(tollgate, backend, opts, client)
        want = relayed_header(haproxy, backend, opts, client)
        assert got == want, opts
        if "crc32c" in opts:
            h = bytearray(got)
            i = h.index(b"\x03\x00\x04", 28)
            crc = struct.unpack(">I", bytes(h[i + 3:i + 7]))[0]
            h[i + 3:i + 7] = b"\0\0\0\0"
            assert crc == crc32c(bytes(h))
    assert relayed_header(tollgate, backend, "send-proxy", client) == b"PROXY TCP4 10.1.2.3 10.9.8.7 4242 80\r\n"


def test_send_proxy_v2_tlv_fmt(tollgate, backend):
    """set-proxy-v2-tlv-fmt (HAProxy 2.9+): custom TLVs, an absent format
    sending the TLV empty; inherited from default-server."""
    got = relayed_header(tollgate, backend, 'send-proxy-v2 set-proxy-v2-tlv-fmt(0xE1) %[src] set-proxy-v2-tlv-fmt(0xE2)',
                         v2())
    assert got == v2(tlvs=tlv(0xE1, b"10.1.2.3") + tlv(0xE2, b""))
    # PROXY UNKNOWN from the client: the connection's own addresses
    got = relayed_header(tollgate, backend, "send-proxy", b"PROXY UNKNOWN\r\n")
    assert got.startswith(b"PROXY TCP4 127.0.0.1 127.0.0.1 ")


def test_send_proxy_v2_options_errors(tmp_path):
    from conftest import run_check
    base = SEND_CFG % {"port": 8080, "bport": 8081, "opts": "OPTS"}
    rc, out, _ = run_check(base.replace("OPTS", "send-proxy-v2 proxy-v2-options authority,bogus"), tmp_path)
    assert rc != 0 and "t.cfg:9" in out and "unknown option 'bogus'" in out, out
    rc, out, _ = run_check(base.replace("OPTS", "send-proxy-v2 set-proxy-v2-tlv-fmt(0x100) x"), tmp_path)
    assert rc != 0 and "expected a TLV type from 0 to 255" in out, out
    rc, out, _ = run_check(base.replace("OPTS", "send-proxy-v2 set-proxy-v2-tlv-fmt(1) %[nosuchfetch]"), tmp_path)
    assert rc != 0 and "nosuchfetch" in out, out
    rc, out, _ = run_check(base.replace("listen li", "listen li\n    default-server send-proxy-v2 set-proxy-v2-tlv-fmt(0xE1) %[src]").replace("OPTS", ""), tmp_path)
    assert rc == 0, out


UID_CFG = HTTP_DEFAULTS + """
    unique-id-format TEST-%%[req.hdr(in)]
listen sender
    bind 127.0.0.1:%(port)d
    unique-id-header unique_id
    server example 127.0.0.1:%(rport)d send-proxy-v2 proxy-v2-options unique-id
listen receiver
    bind 127.0.0.1:%(rport)d accept-proxy
    http-request set-var(txn.http_unique_id) req.hdr(unique_id)
    http-request set-var(txn.proxy_unique_id) fc_pp_unique_id
    http-request return status 200 hdr http_unique_id "%%[var(txn.http_unique_id)]" hdr proxy_unique_id "%%[var(txn.proxy_unique_id)]"
"""


def unique_ids_over_one_connection(start):
    """Two requests on one client connection through `proxy-v2-options
    unique-id`: the ids the receiver reads from the header and from the
    PROXY v2 TLV."""
    from httpbackend import build, connect, read_response
    port, rport = free_port(), free_port()
    start(UID_CFG % {"port": port, "rport": rport})
    wait_until(lambda: _listening(port) and _listening(rport), what="ports")
    out = []
    with connect(port) as s:
        for tag in ("foo", "bar"):
            s.sendall(build("/", headers=[("in", tag)]))
            _, hdrs, _, _ = read_response(s)
            out.append((hdrs.get("http_unique_id"), hdrs.get("proxy_unique_id")))
    return out


def test_send_proxy_v2_unique_id_matches_haproxy(tollgate, haproxy):
    """proxy-v2-options unique-id: each request's unique id in the TLV; a
    request whose id differs does not reuse the server connection that
    carried the previous header (HAProxy hashes the header in its reuse key)."""
    got = unique_ids_over_one_connection(tollgate)
    assert got == [("TEST-foo", "TEST-foo"), ("TEST-bar", "TEST-bar")]
    assert got == unique_ids_over_one_connection(haproxy)
